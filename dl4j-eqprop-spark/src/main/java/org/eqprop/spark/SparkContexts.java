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
        SparkConf c = new SparkConf().setMaster(master).setAppName(appName).set("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            c.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
        }
        return c;
    }
}
