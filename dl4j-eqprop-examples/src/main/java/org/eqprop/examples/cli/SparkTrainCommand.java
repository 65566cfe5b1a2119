package org.eqprop.examples.cli;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.eqprop.io.AtomicFiles;
import org.eqprop.io.ModelFiles;
import org.eqprop.spark.BatchSchedule;
import org.eqprop.spark.ExampleBlock;
import org.eqprop.spark.ExamplePartitions;
import org.eqprop.spark.ParameterAveragingEqProp;
import org.eqprop.spark.SparkContexts;
import org.eqprop.spark.SynchronousEqPropTrainer;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code eqprop train --spark MASTER}: the preset trained on a Spark cluster (or local[N]), either by the synchronous
 * gradient-averaging trainer (default, {@code --spark-mode sync}: the same steps as on one machine) or by DL4J's
 * parameter averaging ({@code --spark-mode averaging}). The driver evaluates, checkpoints atomically after every epoch
 * and continues from the checkpoint with {@code --resume}.
 */
final class SparkTrainCommand {

    /** The Spark options of {@code train}. */
    record Options(String master, String mode, int partitions, int averagingFrequency, boolean resume, long seed,
                   Path outDir, Path initParams) {
    }

    /** Seconds to wait for a cluster's first executor before failing (Spark itself would wait forever). */
    static final String EXECUTOR_TIMEOUT_PROPERTY = "eqprop.spark.executor-timeout-s";

    private SparkTrainCommand() {
    }

    /**
     * On a cluster master, waits until at least one executor has registered, and fails with a clear message after
     * {@code seconds} otherwise: a cluster that cannot start executors (no free cores or memory, a broken worker
     * set-up) would leave Spark's scheduler waiting forever with the run silently stuck. Local masters run the tasks
     * in the driver and need no executor.
     */
    static void awaitExecutors(JavaSparkContext sc, String master, long seconds) {
        if (master.startsWith("local")) {
            return;
        }
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        // the driver's own block manager is listed too: more than one entry means an executor is there
        while (sc.sc().getExecutorMemoryStatus().size() < 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no executor registered with " + master + " within " + seconds
                        + " s: check that the workers run and offer enough cores and memory (spark.executor.memory), "
                        + "and see the workers' logs (raise the wait with -D" + EXECUTOR_TIMEOUT_PROPERTY + "=S)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for executors", e);
            }
        }
    }

    static Json run(Preset p, Datasets.Data data, Options o, PrintStream out, PrintStream err) throws IOException {
        if (p.isContinual()) {
            throw new Args.UsageException("--algorithm " + p.algorithm + " updates the weights inside the nudged phase "
                    + "and has no gradient to average: it cannot run with --spark");
        }
        if (!o.mode().equals("sync") && !o.mode().equals("averaging")) {
            throw new Args.UsageException("--spark-mode must be sync or averaging, got " + o.mode());
        }
        Path modelPath = o.outDir().resolve("model.zip");
        Path historyPath = o.outDir().resolve("history.tsv");
        MultiLayerNetwork net;
        List<String> history = new ArrayList<>();
        if (o.resume()) {
            if (!Files.isRegularFile(modelPath)) {
                throw new IllegalArgumentException("--resume: no checkpoint at " + modelPath);
            }
            net = o.mode().equals("sync") ? SynchronousEqPropTrainer.resume(modelPath) : ModelFiles.load(modelPath);
            if (Files.isRegularFile(historyPath)) {
                List<String> lines = Files.readAllLines(historyPath, StandardCharsets.UTF_8);
                history.addAll(lines.subList(0, Math.min(lines.size(), net.getEpochCount())));
            }
            out.printf(Locale.ROOT, "resuming from %s after epoch %d%n", modelPath, net.getEpochCount());
            if (!sameTraining(net.getLayerWiseConfigurations(), p.configuration(o.seed(), DataType.FLOAT))) {
                out.println("warning: the checkpoint was made with other options than this command's (--epochs, for "
                        + "one, sets the cosine schedule's period); training continues with the checkpoint's");
            }
        } else {
            net = o.mode().equals("sync") ? new EqPropNetwork(p.configuration(o.seed(), DataType.FLOAT))
                    : new MultiLayerNetwork(p.configuration(o.seed(), DataType.FLOAT));
            net.init();
            if (o.initParams() != null) {
                ExportCommand.load(net, o.initParams(), "--init-params");
            }
        }
        JavaSparkContext sc;
        try {
            sc = new JavaSparkContext(SparkContexts.conf(o.master(), "eqprop-train-" + p.name));
        } catch (RuntimeException e) {
            // an unreachable standalone master ends, after Spark's own retries, in an unrelated-looking message
            throw new IllegalStateException("cannot start Spark with master " + o.master() + ": check the URL and "
                    + "that the master runs (" + e.getMessage() + ")", e);
        }
        try {
            sc.setLogLevel("WARN");
            awaitExecutors(sc, o.master(), Long.getLong(EXECUTOR_TIMEOUT_PROPERTY, 180));
            int partitions = o.partitions() > 0 ? o.partitions() : sc.defaultParallelism();
            JavaRDD<ExampleBlock> blocks = ExamplePartitions.fromLocal(sc, data.train(), partitions);
            out.printf(Locale.ROOT, "Spark %s, master %s, %d partitions, %s%n", sc.version(), o.master(), partitions,
                    o.mode().equals("sync") ? "synchronous gradient averaging (global batch " + p.batchSize + ")"
                            : "DL4J parameter averaging every " + o.averagingFrequency() + " minibatches of "
                            + p.batchSize + " per worker");
            BatchSchedule schedule = new BatchSchedule(data.train().size(), p.batchSize, o.seed());
            Progress progress = new Progress(err, schedule.batchesPerEpoch());
            EpochRecorder recorder = new EpochRecorder(p, data, net, progress, historyPath, history, out);
            Map<String, Double> timings = null;
            if (o.mode().equals("sync")) {
                net.setListeners(progress, new EpochStarts(progress, p.epochs));
                try (SynchronousEqPropTrainer trainer = new SynchronousEqPropTrainer(sc, net, blocks)) {
                    trainer.preProcessor(data.trainPre());
                    trainer.fit(schedule, p.epochs, modelPath, r -> recorder.record(r.seconds(), r.examples()));
                    timings = trainer.timings().millisecondsPerStep();
                }
            } else {
                SparkDl4jMultiLayer spark = ParameterAveragingEqProp.create(sc, net, p.batchSize,
                        o.averagingFrequency());
                JavaRDD<org.nd4j.linalg.dataset.DataSet> batches = ExamplePartitions.minibatches(blocks, p.batchSize);
                while (net.getEpochCount() < p.epochs) {
                    int done = net.getEpochCount();
                    progress.startEpoch(done + 1, p.epochs);
                    long t0 = System.nanoTime();
                    net = spark.fit(batches);
                    // DL4J's master may or may not advance the count; one fit is one epoch here
                    net.getLayerWiseConfigurations().setEpochCount(done + 1);
                    ModelFiles.save(net, modelPath);
                    recorder.network(net);
                    recorder.record((System.nanoTime() - t0) / 1e9, data.train().size());
                }
            }
            return recorder.summary().put("spark_master", o.master()).put("spark_mode", o.mode())
                    .put("partitions", partitions).put("ms_per_step", timings).put("model", modelPath.toString());
        } finally {
            sc.stop();
        }
    }

    /** True when two configurations differ at most in their iteration and epoch counts (and initialized variables). */
    static boolean sameTraining(MultiLayerConfiguration a, MultiLayerConfiguration b) {
        return withoutCounts(a).equals(withoutCounts(b));
    }

    private static String withoutCounts(MultiLayerConfiguration c) {
        MultiLayerConfiguration copy = c.clone();
        copy.setIterationCount(0);
        copy.setEpochCount(0);
        for (NeuralNetConfiguration layer : copy.getConfs()) {
            layer.setIterationCount(0);
            layer.setEpochCount(0);
            layer.clearVariables();
        }
        return copy.toJson();
    }

    /** Starts the progress bar's epoch when the trainer starts one. */
    private static final class EpochStarts extends BaseTrainingListener {
        private final Progress progress;
        private final int epochs;

        EpochStarts(Progress progress, int epochs) {
            this.progress = progress;
            this.epochs = epochs;
        }

        @Override
        public void onEpochStart(Model model) {
            progress.startEpoch(((MultiLayerNetwork) model).getEpochCount() + 1, epochs);
        }
    }

    /** Evaluates after each epoch, prints the epoch line, keeps the history file (atomically) and the summary. */
    private static final class EpochRecorder {
        private final Preset p;
        private final Datasets.Data data;
        private final Progress progress;
        private final Path historyPath;
        private final List<String> history;
        private final PrintStream out;
        private MultiLayerNetwork net;
        private double seconds;
        private long examples;

        EpochRecorder(Preset p, Datasets.Data data, MultiLayerNetwork net, Progress progress, Path historyPath,
                      List<String> history, PrintStream out) {
            this.p = p;
            this.data = data;
            this.net = net;
            this.progress = progress;
            this.historyPath = historyPath;
            this.history = history;
            this.out = out;
        }

        void network(MultiLayerNetwork net) {
            this.net = net;
        }

        void record(double sec, long n) throws IOException {
            seconds += sec;
            examples += n;
            double testError = TrainCommand.testError(net, data.testIterator(p.batchSize < 100 ? 500 : p.batchSize));
            history.add(String.format(Locale.ROOT, "%d\t%.6f\t%.6f\t%.3f", net.getEpochCount(), progress.trainError(),
                    testError, sec));
            AtomicFiles.write(historyPath, (String.join("\n", history) + "\n").getBytes(StandardCharsets.UTF_8));
            // time-to-accuracy report from the history's per-epoch seconds (kept across --resume)
            TimeToAccuracy.write(historyPath.getParent(), p.name + " (Spark)", column(3), column(2), column(1));
            double trainError = progress.trainError();
            out.printf(Locale.ROOT, "epoch %d: train error %s, test error %.2f%%, %.1f s (%.1f examples/s)%n",
                    net.getEpochCount(), Double.isNaN(trainError) ? "n/a (parameter averaging)"
                            : String.format(Locale.ROOT, "%.2f%%", 100 * trainError), 100 * testError, sec, n / sec);
        }

        private List<Double> column(int k) {
            List<Double> values = new ArrayList<>();
            for (String line : history) {
                values.add(Double.parseDouble(line.split("\t")[k]));
            }
            return values;
        }

        Json summary() {
            List<Double> test = new ArrayList<>();
            List<Double> train = new ArrayList<>();
            List<Double> secs = new ArrayList<>();
            for (String line : history) {
                String[] f = line.split("\t");
                train.add(Double.parseDouble(f[1]));
                test.add(Double.parseDouble(f[2]));
                secs.add(Double.parseDouble(f[3]));
            }
            return new Json().put("command", "train").put("preset", p.name).put("algorithm", p.algorithm)
                    .put("epochs", net.getEpochCount())
                    .put("train_error", train.isEmpty() ? null : train.get(train.size() - 1))
                    .put("test_error", test.isEmpty() ? null : test.get(test.size() - 1))
                    .put("examples_per_second", seconds > 0 ? examples / seconds : null)
                    .put("seconds_per_iteration", examples > 0 ? seconds / Math.ceil((double) examples / p.batchSize)
                            : null)
                    .put("batch_size", p.batchSize)
                    .put("train_examples", data.train().size()).put("test_examples", data.test().size())
                    .put("test_errors", test).put("train_errors", train).put("epoch_seconds", secs);
        }
    }
}
