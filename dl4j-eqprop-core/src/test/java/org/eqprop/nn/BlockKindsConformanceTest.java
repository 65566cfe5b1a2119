package org.eqprop.nn;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingModelSaver;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.listener.EarlyStoppingListener;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.saver.LocalFileGraphSaver;
import org.deeplearning4j.earlystopping.saver.LocalFileModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingGraphTrainer;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.earlystopping.trainer.IEarlyStoppingTrainer;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.InvocationType;
import org.deeplearning4j.optimize.listeners.CollectScoresIterationListener;
import org.deeplearning4j.optimize.listeners.EvaluativeListener;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.parallelism.ParallelInference;
import org.deeplearning4j.parallelism.inference.InferenceMode;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.training.EqPropComputationGraph;
import org.eqprop.training.EqPropFileGraphSaver;
import org.eqprop.training.EqPropFileModelSaver;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.eqprop.nn.BlockKind.OUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every block kind ({@link BlockKind#all()}) through what a DL4J user does in a first hour, on a
 * {@link MultiLayerNetwork} ({@link EqPropNetwork}) and a {@link ComputationGraph} ({@link EqPropComputationGraph}):
 * fit, output, JSON/YAML, ModelSerializer, clone; early stopping with each saver; transfer learning (frozen block,
 * block above a frozen layer, {@code FrozenLayerWithBackprop}, {@code nOutReplace}); {@code GradientCheckUtil};
 * {@code ParallelInference}; listeners; workspace modes and data types. A case a kind cannot take is skipped with the
 * reason, or asserts the kind's refusal.
 */
class BlockKindsConformanceTest {

    static List<BlockKind> kinds() {
        return BlockKind.all();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static INDArray out(Model m, INDArray x) {
        return m instanceof ComputationGraph g ? g.outputSingle(x) : ((MultiLayerNetwork) m).output(x);
    }

    private static void fit(Model m, DataSet ds, int times) {
        for (int i = 0; i < times; i++) {
            if (m instanceof ComputationGraph g) {
                g.fit(ds);
            } else {
                ((MultiLayerNetwork) m).fit(ds);
            }
        }
    }

    private static double score(Model m, DataSet ds) {
        return m instanceof ComputationGraph g ? g.score(ds) : ((MultiLayerNetwork) m).score(ds);
    }

    /** The values, exactly (float values are exact in double). */
    private static double[] bits(INDArray a) {
        return Nd4j.toFlattened(a).castTo(DataType.DOUBLE).toDoubleVector();
    }

    private static ListDataSetIterator<DataSet> iterator(DataSet ds) {
        return new ListDataSetIterator<>(List.of(ds));
    }

    private static FineTuneConfiguration fineTune() {
        return new FineTuneConfiguration.Builder().updater(new Sgd(0.1)).seed(3).build();
    }

    // ---- fit, output, serialisation ----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kinds")
    void everyBlockKindBehavesAsADl4jLayer(BlockKind kind, @TempDir Path dir) throws Exception {
        DataSet ds = kind.data(DataType.FLOAT);
        MultiLayerNetwork net = kind.network(DataType.FLOAT);
        INDArray before = net.params().dup();
        fit(net, ds, 2);
        assertTrue(net.params().distance2(before) > 0, kind + ": fit trains");
        INDArray out = net.output(ds.getFeatures());
        assertEquals(OUT, out.size(1), kind.name());
        assertEquals(out, net.output(ds.getFeatures()), kind + ": inference is deterministic");

        MultiLayerConfiguration c = net.getLayerWiseConfigurations();
        assertEquals(c.toJson(), MultiLayerConfiguration.fromJson(c.toJson()).toJson(), kind + ": JSON");
        assertEquals(c.toJson(), MultiLayerConfiguration.fromYaml(c.toYaml()).toJson(), kind + ": YAML");

        File f = dir.resolve(kind + ".zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(out, restored.output(ds.getFeatures()), kind + ": ModelSerializer round trip");
        assertEquals(out, net.clone().output(ds.getFeatures()), kind + ": clone");

        ComputationGraph graph = kind.graph(DataType.FLOAT);
        INDArray gBefore = graph.params().dup();
        graph.fit(ds);
        assertTrue(graph.params().distance2(gBefore) > 0, kind + ": a ComputationGraph trains it");
        INDArray gOut = graph.outputSingle(ds.getFeatures());
        assertEquals(OUT, gOut.size(1), kind.name());
        ComputationGraphConfiguration gc = graph.getConfiguration();
        assertEquals(gc.toJson(), ComputationGraphConfiguration.fromJson(gc.toJson()).toJson(), kind + ": graph JSON");
        assertEquals(gc.toJson(), ComputationGraphConfiguration.fromYaml(gc.toYaml()).toJson(), kind + ": graph YAML");
        File gf = dir.resolve(kind + "-graph.zip").toFile();
        ModelSerializer.writeModel(graph, gf, true);
        assertEquals(gOut, ModelSerializer.restoreComputationGraph(gf, true).outputSingle(ds.getFeatures()),
                kind + ": graph ModelSerializer round trip");
        assertEquals(gOut, graph.clone().outputSingle(ds.getFeatures()), kind + ": graph clone");
    }

    // ---- early stopping -----------------------------------------------------------------------------------------

    /**
     * Three epochs of early stopping; the saver's best model gives the outputs the network gave at the best epoch and
     * the best score; returns it.
     */
    private static <T extends Model> T earlyStopping(String what, T net, DataSet ds, EarlyStoppingModelSaver<T> saver,
                                                     BiFunction<EarlyStoppingConfiguration<T>, T,
                                                             IEarlyStoppingTrainer<T>> trainer) {
        EarlyStoppingConfiguration<T> es = new EarlyStoppingConfiguration.Builder<T>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(3))
                .scoreCalculator(new DataSetLossCalculator(iterator(ds), true)).modelSaver(saver).build();
        Map<Integer, INDArray> outputs = new HashMap<>();
        IEarlyStoppingTrainer<T> t = trainer.apply(es, net);
        t.setListener(new EarlyStoppingListener<>() {
            @Override
            public void onStart(EarlyStoppingConfiguration<T> c, T model) {
            }

            @Override
            public void onEpoch(int epoch, double score, EarlyStoppingConfiguration<T> c, T model) {
                outputs.put(epoch, out(model, ds.getFeatures()).dup());
            }

            @Override
            public void onCompletion(EarlyStoppingResult<T> result) {
            }
        });
        EarlyStoppingResult<T> r = t.fit();
        assertEquals(3, r.getTotalEpochs(), what);
        T best = r.getBestModel();
        INDArray expected = outputs.get(r.getBestModelEpoch());
        assertArrayEquals(bits(expected), bits(out(best, ds.getFeatures())), 0,
                what + ": the best model is the network of epoch " + r.getBestModelEpoch());
        // (DL4J's getBestModelScore() is the restored model's score() field, 0 before it computed one: not compared)
        double s = new DataSetLossCalculator(iterator(ds), true).calculateScore(best);
        assertEquals(r.getScoreVsEpoch().get(r.getBestModelEpoch()), s, 1e-6 * Math.abs(s),
                what + ": and the score of that epoch");
        assertEquals(r.getScoreVsEpoch().values().stream().mapToDouble(Double::doubleValue).min().orElseThrow(), s,
                1e-6 * Math.abs(s), what + ": the best score");
        return best;
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void earlyStoppingKeepsTheBestModelWithEverySaver(BlockKind kind, @TempDir Path dir) throws Exception {
        DataSet ds = kind.data(DataType.FLOAT);
        BiFunction<EarlyStoppingConfiguration<MultiLayerNetwork>, MultiLayerNetwork,
                IEarlyStoppingTrainer<MultiLayerNetwork>> mln = (c, n) -> new EarlyStoppingTrainer(c, n, iterator(ds));
        BiFunction<EarlyStoppingConfiguration<ComputationGraph>, ComputationGraph,
                IEarlyStoppingTrainer<ComputationGraph>> cg = (c, g) -> new EarlyStoppingGraphTrainer(c, g,
                iterator(ds));

        assertInstanceOf(EqPropNetwork.class, earlyStopping(kind + " InMemoryModelSaver",
                kind.network(DataType.FLOAT), ds, new InMemoryModelSaver<>(), mln), "the clone is a trainer");
        Files.createDirectories(dir.resolve("dl4j"));
        MultiLayerNetwork plain = earlyStopping(kind + " LocalFileModelSaver", kind.network(DataType.FLOAT), ds,
                new LocalFileModelSaver(dir.resolve("dl4j").toString()), mln);
        assertSame(MultiLayerNetwork.class, plain.getClass(), "DL4J's saver restores a plain network");
        EqPropNetwork wrapped = EqPropNetwork.wrap(plain);
        assertArrayEquals(bits(plain.output(ds.getFeatures())), bits(wrapped.output(ds.getFeatures())), 0,
                "EqPropNetwork.wrap gives the trainer back");
        assertInstanceOf(EqPropNetwork.class, earlyStopping(kind + " EqPropFileModelSaver",
                kind.network(DataType.FLOAT), ds, new EqPropFileModelSaver(dir.resolve("eqprop")), mln));

        assertInstanceOf(EqPropComputationGraph.class, earlyStopping(kind + " graph InMemoryModelSaver",
                kind.graph(DataType.FLOAT), ds, new InMemoryModelSaver<>(), cg));
        Files.createDirectories(dir.resolve("dl4j-graph"));
        ComputationGraph plainGraph = earlyStopping(kind + " LocalFileGraphSaver", kind.graph(DataType.FLOAT), ds,
                new LocalFileGraphSaver(dir.resolve("dl4j-graph").toString()), cg);
        assertSame(ComputationGraph.class, plainGraph.getClass(), "DL4J's saver restores a plain graph");
        assertInstanceOf(EqPropComputationGraph.class, earlyStopping(kind + " EqPropFileGraphSaver",
                kind.graph(DataType.FLOAT), ds, new EqPropFileGraphSaver(dir.resolve("eqprop-graph")), cg));
        java.io.IOException none = assertThrows(java.io.IOException.class,
                () -> new EqPropFileGraphSaver(dir.resolve("empty")).getLatestModel());
        assertTrue(none.getMessage().contains("not found"), none.getMessage());
    }

    // ---- transfer learning --------------------------------------------------------------------------------------

    private static List<Layer> concat(List<Layer> a, List<Layer> b) {
        List<Layer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static List<String> names(int n, String... given) {
        return List.of(given).subList(0, n);
    }

    /** After fitting: the frozen layers' parameters are bit-identical, the others changed. */
    private static void assertFrozen(String what, Model net, DataSet ds, List<INDArray> frozen, List<INDArray> trained) {
        List<double[]> frozenBefore = frozen.stream().map(BlockKindsConformanceTest::bits).toList();
        List<INDArray> trainedBefore = trained.stream().map(INDArray::dup).toList();
        fit(net, ds, 3);
        for (int i = 0; i < frozen.size(); i++) {
            assertArrayEquals(frozenBefore.get(i), bits(frozen.get(i)), 0, what + ": frozen parameters unchanged");
        }
        for (int i = 0; i < trained.size(); i++) {
            assertTrue(trained.get(i).distance2(trainedBefore.get(i)) > 0, what + ": the other parameters train");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void transferLearningFreezesTheBlockAndTrainsTheHead(BlockKind kind) {
        assumeTrue(kind.role() != BlockKind.Role.OUTPUT, kind + " is the network's output layer: no head follows it "
                + "(nOutReplace gives it new classes instead)");
        DataSet ds = kind.data(DataType.FLOAT);
        List<Layer> layers = concat(List.of(kind.block().get()), BlockKind.head());
        EqPropNetwork net = BlockKind.init(new EqPropNetwork(kind.conf(BlockKind.base(DataType.FLOAT), layers)));
        MultiLayerNetwork t = new TransferLearning.Builder(net).fineTuneConfiguration(fineTune())
                .setFeatureExtractor(0).build();
        EqPropNetwork tuned = EqPropNetwork.wrap(t);
        assertInstanceOf(org.deeplearning4j.nn.layers.FrozenLayer.class, tuned.getLayer(0));
        assertEquals(net.output(ds.getFeatures()), tuned.output(ds.getFeatures()), kind + ": the same network");
        assertFrozen(kind + " MultiLayerNetwork", tuned, ds, List.of(tuned.getLayer(0).params()),
                List.of(tuned.getLayer(1).params(), tuned.getLayer(2).params()));

        ComputationGraph g = new EqPropComputationGraph(kind.graphConf(BlockKind.base(DataType.FLOAT),
                concat(List.of(kind.block().get()), BlockKind.head()), List.of("block", "head", "out")));
        g.init();
        ComputationGraph tg = EqPropComputationGraph.wrap(new TransferLearning.GraphBuilder(g)
                .fineTuneConfiguration(fineTune()).setFeatureExtractor("block").build());
        assertEquals(g.outputSingle(ds.getFeatures()), tg.outputSingle(ds.getFeatures()));
        assertFrozen(kind + " ComputationGraph", tg, ds, List.of(tg.getLayer("block").params()),
                List.of(tg.getLayer("head").params(), tg.getLayer("out").params()));
    }

    /**
     * A new block above a frozen DL4J layer (transfer learning's feature extractor): the frozen layer keeps its
     * parameters, the block trains. A kind without an input gradient refuses a trainable layer below it.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void transferLearningTrainsTheBlockAboveAFrozenLayer(BlockKind kind) {
        DataSet ds = kind.data(DataType.FLOAT);
        List<Layer> layers = concat(List.of(kind.below(), kind.block().get()), kind.loss());
        List<String> names = names(layers.size(), "below", "block", "out");
        EqPropNetwork net = BlockKind.init(new EqPropNetwork(kind.conf(BlockKind.base(DataType.FLOAT), layers)));
        ComputationGraph g = new EqPropComputationGraph(kind.graphConf(BlockKind.base(DataType.FLOAT),
                concat(List.of(kind.below(), kind.block().get()), kind.loss()), names));
        g.init();
        if (kind.role() != BlockKind.Role.HIDDEN) {
            for (Model m : List.of(net, g)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> fit(m, ds, 1),
                        kind + ": no input gradient for a trainable layer below");
                assertTrue(e.getMessage().contains("above frozen layers only"), e.getMessage());
            }
        }
        EqPropNetwork tuned = EqPropNetwork.wrap(new TransferLearning.Builder(net).fineTuneConfiguration(fineTune())
                .setFeatureExtractor(0).build());
        assertEquals(net.output(ds.getFeatures()), tuned.output(ds.getFeatures()), kind + ": the same network");
        assertFrozen(kind + " MultiLayerNetwork", tuned, ds, List.of(tuned.getLayer(0).params()),
                List.of(tuned.getLayer(1).params()));
        ComputationGraph tg = EqPropComputationGraph.wrap(new TransferLearning.GraphBuilder(g)
                .fineTuneConfiguration(fineTune()).setFeatureExtractor("below").build());
        assertEquals(g.outputSingle(ds.getFeatures()), tg.outputSingle(ds.getFeatures()), kind + ": the same graph");
        assertFrozen(kind + " ComputationGraph", tg, ds, List.of(tg.getLayer("below").params()),
                List.of(tg.getLayer("block").params()));
    }

    /**
     * A block wrapped in {@code FrozenLayerWithBackprop} keeps its parameters, and a block with an input gradient
     * passes it on: the layer below still trains.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void frozenLayerWithBackpropKeepsTheBlockAndPassesTheGradient(BlockKind kind) {
        assumeTrue(kind.role() != BlockKind.Role.OUTPUT, kind + " is the network's output layer and its only "
                + "trainable one: frozen, nothing would train");
        DataSet ds = kind.data(DataType.FLOAT);
        boolean hidden = kind.role() == BlockKind.Role.HIDDEN;
        List<Layer> layers = hidden
                ? concat(List.of(kind.below(), new FrozenLayerWithBackprop(kind.block().get())), kind.loss())
                : concat(List.of(new FrozenLayerWithBackprop(kind.block().get())), BlockKind.head());
        int block = hidden ? 1 : 0;
        int other = hidden ? 0 : 1;
        MultiLayerConfiguration conf = kind.conf(BlockKind.base(DataType.FLOAT), layers);
        assertEquals(conf.toJson(), MultiLayerConfiguration.fromJson(conf.toJson()).toJson(), kind + ": JSON");
        EqPropNetwork net = BlockKind.init(new EqPropNetwork(conf));
        assertFrozen(kind + " MultiLayerNetwork", net, ds, List.of(net.getLayer(block).params()),
                List.of(net.getLayer(other).params()));

        List<Layer> graphLayers = hidden
                ? concat(List.of(kind.below(), new FrozenLayerWithBackprop(kind.block().get())), kind.loss())
                : concat(List.of(new FrozenLayerWithBackprop(kind.block().get())), BlockKind.head());
        ComputationGraph g = new EqPropComputationGraph(kind.graphConf(BlockKind.base(DataType.FLOAT), graphLayers,
                hidden ? List.of("below", "block", "out") : List.of("block", "head", "out")));
        g.init();
        assertFrozen(kind + " ComputationGraph", g, ds, List.of(g.getLayer("block").params()),
                List.of(g.getLayer(hidden ? "below" : "head").params()));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void nOutReplaceGivesTheBlockNewOutputs(BlockKind kind) {
        DataSet ds = kind.data(DataType.FLOAT, 4, OUT + 1, 9);
        MultiLayerNetwork t = new TransferLearning.Builder(kind.network(DataType.FLOAT))
                .nOutReplace(0, OUT + 1, WeightInit.UNIFORM).build();
        EqPropNetwork net = EqPropNetwork.wrap(t);
        assertEquals(OUT + 1, net.output(ds.getFeatures()).size(1), kind + ": new outputs");
        INDArray before = net.params().dup();
        fit(net, ds, 2);
        assertTrue(net.params().distance2(before) > 0, kind + ": trains on the new labels");

        ComputationGraph g = EqPropComputationGraph.wrap(new TransferLearning.GraphBuilder(kind.graph(DataType.FLOAT))
                .nOutReplace("block", OUT + 1, WeightInit.UNIFORM).build());
        assertEquals(OUT + 1, g.outputSingle(ds.getFeatures()).size(1), kind + ": new graph outputs");
        INDArray gBefore = g.params().dup();
        fit(g, ds, 2);
        assertTrue(g.params().distance2(gBefore) > 0, kind + ": the graph trains on the new labels");
    }

    // ---- gradient check -------------------------------------------------------------------------------------------

    /**
     * DL4J's {@code GradientCheckUtil} (double, NoOp updater) on a tiny network of each kind whose estimate is the
     * loss gradient in the limit: converged phases and small β.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void gradientCheckUtilPassesWhereTheEstimateIsTheGradient(BlockKind kind) {
        assumeTrue(kind.exactBlock() != null, kind + ": " + kind.inexactBecause());
        DataType defaultType = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            int width = (int) kind.exactInput().arrayElementsPerExample();
            java.util.Random r = new java.util.Random(4);
            INDArray x = Nd4j.zeros(DataType.DOUBLE, 2, width);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < width; j++) {
                    x.putScalar(i, j, kind.signedInputs() ? 2 * r.nextDouble() - 1 : r.nextDouble());
                }
            }
            INDArray y = Nd4j.create(new double[][]{{1, 0}, {0, 1}});
            List<Layer> layers = concat(List.of(kind.exactBlock().get()), kind.loss());
            EqPropNetwork net = BlockKind.init(new EqPropNetwork(kind.conf(BlockKind.base(DataType.DOUBLE)
                    .updater(new NoOp()), layers, kind.exactInput())));
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-7)
                    .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)), kind + ": MLN");

            List<Layer> graphLayers = concat(List.of(kind.exactBlock().get()), kind.loss());
            ComputationGraph g = new EqPropComputationGraph(kind.graphConf(BlockKind.base(DataType.DOUBLE)
                    .updater(new NoOp()), graphLayers, names(graphLayers.size(), "block", "out"), kind.exactInput()));
            g.init();
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{x}).labels(new INDArray[]{y}).epsilon(1e-6).maxRelError(1e-3)
                    .minAbsoluteError(1e-7).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                    .exitOnFirstError(false)), kind + ": ComputationGraph");
        } finally {
            Nd4j.setDefaultDataTypes(defaultType, defaultType);
        }
    }

    // ---- ParallelInference -----------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kinds")
    void parallelInferenceGivesTheOutputsOfOutput(BlockKind kind) throws Exception {
        DataSet ds = kind.data(DataType.FLOAT);
        for (Model m : List.of(kind.network(DataType.FLOAT), kind.graph(DataType.FLOAT))) {
            fit(m, ds, 2);
            List<INDArray> inputs = new ArrayList<>();
            List<INDArray> expected = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                INDArray x = kind.data(DataType.FLOAT, 1 + i % 3, OUT, 20 + i).getFeatures();
                inputs.add(x);
                expected.add(out(m, x).dup());
            }
            for (InferenceMode mode : InferenceMode.values()) {
                ParallelInference pi = new ParallelInference.Builder(m).inferenceMode(mode).workers(2).batchLimit(8)
                        .build();
                ExecutorService pool = Executors.newFixedThreadPool(3);
                try {
                    List<Future<INDArray>> results = new ArrayList<>();
                    for (INDArray x : inputs) {
                        results.add(pool.submit(() -> pi.output(x)));
                    }
                    for (int i = 0; i < inputs.size(); i++) {
                        INDArray got = results.get(i).get();
                        String what = kind + " " + m.getClass().getSimpleName() + " " + mode + " request " + i;
                        assertArrayEquals(expected.get(i).shape(), got.shape(), what);
                        // batched requests share a relaxation with others: the same outputs up to float rounding
                        assertArrayEquals(bits(expected.get(i)), bits(got), mode == InferenceMode.BATCHED ? 1e-5 : 0,
                                what);
                    }
                } finally {
                    pool.shutdownNow();
                    pi.shutdown();
                }
            }
        }
    }

    // ---- listeners ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kinds")
    void listenersSeeEveryIterationWithTheLoss(BlockKind kind) {
        DataSet ds = kind.data(DataType.FLOAT);
        for (Model m : List.of(kind.network(DataType.FLOAT), kind.graph(DataType.FLOAT))) {
            String what = kind + " " + m.getClass().getSimpleName();
            CollectScoresIterationListener collect = new CollectScoresIterationListener(1);
            AtomicInteger evaluations = new AtomicInteger();
            EvaluativeListener evaluative = new EvaluativeListener(ds, 1, InvocationType.ITERATION_END);
            evaluative.setCallback((listener, model, invocation, evals) -> {
                assertEquals(ds.numExamples(), ((Evaluation) evals[0]).getNumRowCounter(), 0, what);
                evaluations.incrementAndGet();
            });
            List<Double> seen = new ArrayList<>();
            BaseTrainingListener own = new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    seen.add(model.score());
                }
            };
            if (m instanceof ComputationGraph g) {
                g.setListeners(new ScoreIterationListener(1), collect, evaluative, own);
            } else {
                ((MultiLayerNetwork) m).setListeners(new ScoreIterationListener(1), collect, evaluative, own);
            }
            double[] expected = new double[3];
            for (int i = 0; i < 3; i++) {
                expected[i] = score(m, ds);
                fit(m, ds, 1);
            }
            double[] collected = collect.getScoreVsIter().getEffectiveScores();
            assertEquals(3, collected.length, what);
            assertEquals(3, seen.size(), what);
            assertEquals(3, evaluations.get(), what + ": EvaluativeListener");
            for (int i = 0; i < 3; i++) {
                assertTrue(Double.isFinite(collected[i]), what + ": finite score");
                // the score of an iteration is the loss of the parameters it started from
                assertEquals(expected[i], collected[i], 1e-5 * Math.abs(expected[i]), what + " iteration " + i);
                assertEquals(collected[i], seen.get(i), 0, what);
            }
        }
    }

    // ---- workspaces and data types -----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kinds")
    void workspaceModesAgreeAndDataTypesWorkOrAreRefused(BlockKind kind) {
        DataSet ds = kind.data(DataType.DOUBLE);
        for (boolean graph : new boolean[]{false, true}) {
            String what = kind + (graph ? " ComputationGraph" : " MultiLayerNetwork");
            INDArray[] params = new INDArray[2];
            INDArray[] outputs = new INDArray[2];
            WorkspaceMode[] modes = {WorkspaceMode.ENABLED, WorkspaceMode.NONE};
            for (int i = 0; i < 2; i++) {
                var base = BlockKind.base(DataType.DOUBLE).trainingWorkspaceMode(modes[i])
                        .inferenceWorkspaceMode(modes[i]);
                Model m = graph ? new EqPropComputationGraph(kind.graphConf(base, kind.standardLayers(),
                        names(kind.standardLayers().size(), "block", "out")))
                        : new EqPropNetwork(kind.conf(base, kind.standardLayers()));
                m.init();
                fit(m, ds, 2);
                params[i] = m.params().dup();
                outputs[i] = out(m, ds.getFeatures());
            }
            assertEquals(0, params[0].distance2(params[1]), 1e-12, what + ": the workspace mode changes nothing");
            assertEquals(0, outputs[0].distance2(outputs[1]), 1e-12, what);

            for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT, DataType.HALF}) {
                DataSet typed = new DataSet(ds.getFeatures().castTo(dt), ds.getLabels().castTo(dt));
                try {
                    Model m = graph ? kind.graph(dt) : kind.network(dt);
                    INDArray before = m.params().dup();
                    fit(m, typed, 1);
                    INDArray o = out(m, typed.getFeatures());
                    assertEquals(dt, o.dataType(), what);
                    assertEquals(dt, m.params().dataType(), what);
                    assertTrue(Double.isFinite(o.castTo(DataType.DOUBLE).sumNumber().doubleValue()),
                            what + " " + dt + ": finite outputs");
                    assertTrue(m.params().distance2(before) > 0, what + " " + dt + ": trains");
                } catch (RuntimeException e) {
                    assertEquals(DataType.HALF, dt, what + ": only HALF may be refused: " + e);
                    assertTrue(String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("half"),
                            what + ": a clear message, got " + e);
                }
            }
        }
    }
}
