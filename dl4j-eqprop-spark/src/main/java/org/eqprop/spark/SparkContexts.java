package org.eqprop.spark;

import org.apache.spark.SparkConf;

/**
 * Spark configurations that work on JDK 17 with Spark 3.1.2: the web UI off, and for local masters the driver bound to
 * the loopback address (machines whose host name does not resolve otherwise fail to start). The JVM itself needs the
 * {@code --add-opens} flags listed in the README.
 */
public final class SparkContexts {

    private SparkContexts() {
    }

    /** A configuration for {@code master} ("local[2]", "local[2,3]" for 3 attempts per task, "spark://host:7077"). */
    public static SparkConf conf(String master, String appName) {
        if (master == null || master.isBlank()) {
            throw new IllegalArgumentException("Spark master URL is empty");
        }
        SparkConf c = new SparkConf().setMaster(master).setAppName(appName).setIfMissing("spark.ui.enabled", "false")
                // a partial gradient (4 bytes per parameter) travels in the task result itself, not through the
                // block manager (Spark's default limit is 1 MB: mnist-fc1's 1.6 MB took an extra round trip)
                .setIfMissing("spark.task.maxDirectResultSize", "128m");
        if (master.startsWith("local")) {
            c.setIfMissing("spark.driver.host", "127.0.0.1").setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return c;
    }
}
