package org.eqprop.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.eqprop.io.ModelFiles;
import org.eqprop.training.EqPropNetwork;
import org.eqprop.training.FreePhaseAccuracy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Synchronous data-parallel EqProp on plain spark-core. Each step t broadcasts θ_t and the global batch B_t; every
 * partition computes the EqProp estimate of Σ_{i ∈ B_t ∩ partition} ∇θL_i with an {@link EqPropNetwork} (so the
 * papers' state-dependent nudging, per-layer learning rates, every estimator and engine work as on one machine);
 * {@code treeAggregate} sums the partials; the driver applies DL4J's updater to the sum exactly as
 * {@code MultiLayerNetwork.fit} does (division by |B_t|, per-layer updaters and schedules, regularization, gradient
 * normalization, θ_{t+1} = θ_t − update, listeners, iteration and epoch counts, constraints). With the same seed and
 * global batch a step therefore equals the single-machine step up to the order of the float sums.
 *
 * <p>Not distributed: C-EP/C-VF ({@code ContinualEqProp} updates θ inside the nudged phase, not from a gradient).
 * The random-sign estimator draws its signs per partition.
 */
public final class SynchronousEqPropTrainer implements AutoCloseable {

    /** One step's outcome: the mean loss over the batch, its size and the free phase's correct predictions. */
    public record StepResult(double loss, long examples, long correct) {
    }

    /** One epoch's outcome: mean loss, free-phase training error, steps, examples and wall-clock seconds. */
    public record EpochResult(int epoch, double loss, double trainError, int steps, long examples, double seconds) {

        public double examplesPerSecond() {
            return examples / seconds;
        }
    }

    private final JavaSparkContext sc;
    private final MultiLayerNetwork net;
    private final JavaRDD<ExampleBlock> data;
    private final String id = UUID.randomUUID().toString();
    private final Broadcast<String> configJson;
    private final StepTimings timings = new StepTimings();
    private TaskFault fault = TaskFault.NONE;
    private DataSetPreProcessor preProcessor;
    private int treeDepth = 2;
    private long steps;

    /**
     * @param sc   the Spark context
     * @param net  the driver's network (initialized); its parameters and updater state are the trained ones
     * @param data the training examples, global indices 0..n−1 (see {@link ExamplePartitions})
     */
    public SynchronousEqPropTrainer(JavaSparkContext sc, MultiLayerNetwork net, JavaRDD<ExampleBlock> data) {
        if (net.params() == null || net.params().isEmpty()) {
            throw new IllegalArgumentException("the network must be initialized (call init()) before training");
        }
        this.sc = sc;
        this.net = net;
        this.data = data;
        this.configJson = sc.broadcast(net.getLayerWiseConfigurations().toJson());
    }

    /** The depth of the aggregation tree (2: partitions' partials are combined in one intermediate level). */
    public SynchronousEqPropTrainer treeDepth(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("tree depth must be >= 1, got " + depth);
        }
        this.treeDepth = depth;
        return this;
    }

    /** Injects task failures (tests of Spark's retries). */
    public SynchronousEqPropTrainer taskFault(TaskFault fault) {
        this.fault = fault == null ? TaskFault.NONE : fault;
        return this;
    }

    /**
     * Preprocessing applied by the workers to their examples of each batch (normalization, augmentation; random
     * augmentations draw from each partition's copy of the preprocessor).
     */
    public SynchronousEqPropTrainer preProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
        return this;
    }

    public MultiLayerNetwork network() {
        return net;
    }

    public StepTimings timings() {
        return timings;
    }

    /** One synchronous step on the global batch of example indices {@code batch}. */
    public StepResult step(int[] batch) {
        if (batch.length == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        long t0 = System.nanoTime();
        int[] sorted = batch.clone();
        Arrays.sort(sorted);
        INDArray params = net.params();
        Broadcast<GradientRound.StepInput> input = sc.broadcast(new GradientRound.StepInput(steps,
                FlatArray.of(params), sorted));
        long t1 = System.nanoTime();
        PartialGradient sum;
        try {
            sum = data.mapPartitionsWithIndex(new GradientRound(id, configJson, input,
                            net.getLayerWiseConfigurations().getDataType(), fault, preProcessor), false)
                    .treeAggregate(new PartialGradient(), PartialGradient::add, PartialGradient::add, treeDepth);
        } finally {
            input.destroy();
        }
        long t2 = System.nanoTime();
        if (sum.examples() != batch.length) {
            throw new IllegalArgumentException("the batch has " + batch.length + " examples but the partitions hold "
                    + sum.examples() + " of them (indices outside the data set or repeated?)");
        }
        applyUpdate(sum, batch.length);
        steps++;
        long t3 = System.nanoTime();
        timings.record(t1 - t0, t2 - t1, sum.computeNanos(), sum.maxComputeNanos(), t3 - t2);
        return new StepResult(sum.lossSum() / sum.examples(), sum.examples(), sum.correct());
    }

    /**
     * The driver's half of the step, as DL4J's {@code StochasticGradientDescent.optimize}: the summed gradient into
     * the network's gradient view, the updater (it divides by the batch size), the parameter step, the listeners, the
     * iteration count and the constraints.
     */
    private void applyUpdate(PartialGradient sum, int batchSize) {
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView();
        }
        INDArray view = net.getFlattenedGradients();
        sum.copyInto(view);
        net.setScore(sum.lossSum() / sum.examples());
        int iteration = net.getIterationCount();
        int epoch = net.getEpochCount();
        net.getUpdater().update(net, gradientOfViews(view), iteration, epoch, batchSize,
                LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(view.reshape(params.shape()));
        for (TrainingListener l : net.getListeners()) {
            if (l instanceof FreePhaseAccuracy a) {
                a.add(sum.correct(), sum.examples());
            }
            l.iterationDone(net, iteration, epoch);
        }
        BaseOptimizer.incrementIterationCount(net, 1);
        BaseOptimizer.applyConstraints(net);
    }

    /** The network's flattened gradient with its per-parameter views ("layer_param"), as the updater expects. */
    private Gradient gradientOfViews(INDArray view) {
        Gradient g = new DefaultGradient(view);
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i].numParams() == 0) {
                continue;
            }
            Map<String, INDArray> views = layers[i].conf().getLayer().initializer()
                    .getGradientsFromFlattened(layers[i].conf(), layers[i].getGradientsViewArray());
            for (String key : layers[i].conf().variables()) {
                g.setGradientFor(i + "_" + key, views.get(key));
            }
        }
        return g;
    }

    /** One epoch over the schedule's next batches; listeners see onEpochStart/End, the epoch count advances. */
    public EpochResult fitEpoch(BatchSchedule schedule) {
        int epoch = net.getEpochCount();
        for (TrainingListener l : net.getListeners()) {
            l.onEpochStart(net);
        }
        long t0 = System.nanoTime();
        double lossSum = 0;
        long examples = 0;
        long correct = 0;
        int[][] batches = schedule.nextEpoch();
        for (int[] b : batches) {
            StepResult r = step(b);
            lossSum += r.loss() * r.examples();
            examples += r.examples();
            correct += r.correct();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (TrainingListener l : net.getListeners()) {
            l.onEpochEnd(net);
        }
        net.incrementEpochCount();
        return new EpochResult(epoch + 1, lossSum / examples, 1.0 - (double) correct / examples, batches.length,
                examples, seconds);
    }

    /**
     * Trains until the network has completed {@code totalEpochs} epochs (a network restored from a checkpoint
     * continues where it stopped: the schedule skips the epochs done), saving the network with its updater state
     * atomically to {@code checkpoint} after every epoch (when not null), then calling {@code afterEpoch}.
     */
    public List<EpochResult> fit(BatchSchedule schedule, int totalEpochs, Path checkpoint, EpochCallback afterEpoch)
            throws IOException {
        schedule.skipEpochs(net.getEpochCount());
        List<EpochResult> results = new ArrayList<>();
        while (net.getEpochCount() < totalEpochs) {
            EpochResult r = fitEpoch(schedule);
            if (checkpoint != null) {
                ModelFiles.save(net, checkpoint);
            }
            results.add(r);
            if (afterEpoch != null) {
                afterEpoch.epochDone(r);
            }
        }
        return results;
    }

    /** Called on the driver after each epoch and its checkpoint. */
    @FunctionalInterface
    public interface EpochCallback {
        void epochDone(EpochResult result) throws IOException;
    }

    /** A network to continue training from a checkpoint (parameters, updater state, iteration and epoch counts). */
    public static EqPropNetwork resume(Path checkpoint) throws IOException {
        return EqPropNetwork.wrap(ModelFiles.load(checkpoint));
    }

    @Override
    public void close() {
        configJson.destroy();
        WorkerNetworks.release(id);
    }
}
