package org.eqprop.nn;

import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.scorecalc.DataSetLossCalculator;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingTrainer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a DL4J user meets early: the block as layer 0 with image input, clone, early stopping, transfer learning. */
class DL4JConformanceTest {

    private static DataSet images(int n, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, n, 1, 4, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 16; j++) {
                x.putScalar(new int[]{i, 0, j / 4, j % 4}, r.nextDouble());
            }
            y.putScalar(i, r.nextInt(3), 1.0);
        }
        return new DataSet(x, y);
    }

    private static EqPropNetwork net(EqPropBlock block, InputType input) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(input).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        return net;
    }

    private static EqPropBlock.Builder converged() {
        return new EqPropBlock.Builder().beta(1e-4).estimator("symmetric").freeSteps(4000).nudgedSteps(4000)
                .tolerance(1e-13).engine("reference");
    }

    /** CIFAR's natural input type before a block at layer 0: fit works, and ∂L/∂x comes back in the input's shape. */
    @Test
    void imageInputTypeAtLayerZeroFitsAndReturnsTheInputGradient() {
        DataSet ds = images(3, 1);
        for (EqPropBlock b : List.of(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build(),
                new EqPropBlock.Builder().convLayers(new ConvSpec(2, 3, 1, "avg", 2)).layerSizes(3).freeSteps(20)
                        .nudgedSteps(6).build())) {
            EqPropNetwork net = net(b, InputType.convolutional(4, 4, 1));
            INDArray before = net.params().dup();
            net.fit(ds);
            assertTrue(net.params().distance2(before) > 0, "it trained");
            Pair<Gradient, INDArray> g = net.calculateGradients(ds.getFeatures(), ds.getLabels(), null, null);
            assertNotNull(g.getSecond(), "the input gradient, as a DenseLayer returns it");
            assertArrayEquals(new long[]{3, 1, 4, 4}, g.getSecond().shape());
            assertTrue(g.getSecond().norm2Number().doubleValue() > 0);
        }
    }

    /** The input gradient at layer 0 is ∂L/∂x: against finite differences of the loss in the input. */
    @Test
    void theInputGradientAtLayerZeroIsTheLossGradient() {
        DataSet ds = images(2, 3);
        EqPropNetwork net = net(converged().layerSizes(6, 3).build(), InputType.convolutionalFlat(4, 4, 1));
        INDArray x = ds.getFeatures().reshape(2, 16).dup();
        DataSet flat = new DataSet(x, ds.getLabels());
        INDArray eps = net.calculateGradients(x, ds.getLabels(), null, null).getSecond();
        double h = 1e-6;
        double worst = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 16; j += 3) {
                double v = x.getDouble(i, j);
                x.putScalar(i, j, v + h);
                double up = net.score(flat);
                x.putScalar(i, j, v - h);
                double down = net.score(flat);
                x.putScalar(i, j, v);
                // DL4J's score is the batch mean; the epsilons are per example
                double fd = (up - down) / (2 * h) * 2;
                worst = Math.max(worst, Math.abs(fd - eps.getDouble(i, j)) / Math.max(1e-3, Math.abs(fd)));
            }
        }
        assertTrue(worst < 1e-3, "input gradient against finite differences: worst relative error " + worst);
    }

    @Test
    void cloneAndEarlyStoppingKeepTheTrainer() throws java.io.IOException {
        DataSet ds = images(4, 5);
        DataSet flat = new DataSet(ds.getFeatures().reshape(4, 16), ds.getLabels());
        EqPropNetwork net = net(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build(),
                InputType.feedForward(16));
        net.fit(flat);
        EqPropNetwork copy = net.clone();
        assertInstanceOf(EqPropNetwork.class, copy);
        assertEquals(net.params(), copy.params());
        assertEquals(net.getIterationCount(), copy.getIterationCount());
        copy.fit(flat);
        assertTrue(copy.params().distance2(net.params()) > 0, "the copy trains on its own parameters");

        InMemoryModelSaver<MultiLayerNetwork> saver = new InMemoryModelSaver<>();
        EarlyStoppingConfiguration<MultiLayerNetwork> es = new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(3))
                .scoreCalculator(new DataSetLossCalculator(new ListDataSetIterator<>(List.of(flat)), true))
                .modelSaver(saver).build();
        EarlyStoppingResult<MultiLayerNetwork> r = new EarlyStoppingTrainer(es, net,
                new ListDataSetIterator<>(List.of(flat))).fit();
        assertEquals(3, r.getTotalEpochs());
        assertInstanceOf(EqPropNetwork.class, r.getBestModel(), "the best model is still an EqProp trainer");

        // the file saver: atomic files, and EqProp trainers back
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("es");
        EarlyStoppingConfiguration<MultiLayerNetwork> onDisk = new EarlyStoppingConfiguration.Builder<MultiLayerNetwork>()
                .epochTerminationConditions(new MaxEpochsTerminationCondition(2))
                .scoreCalculator(new DataSetLossCalculator(new ListDataSetIterator<>(List.of(flat)), true))
                .modelSaver(new org.eqprop.training.EqPropFileModelSaver(dir)).saveLastModel(true).build();
        EarlyStoppingResult<MultiLayerNetwork> f = new EarlyStoppingTrainer(onDisk, net,
                new ListDataSetIterator<>(List.of(flat))).fit();
        assertInstanceOf(EqPropNetwork.class, f.getBestModel());
        assertTrue(java.nio.file.Files.isRegularFile(dir.resolve("bestModel.bin"))
                && java.nio.file.Files.isRegularFile(dir.resolve("latestModel.bin")));
    }

    @Test
    void nOutReplaceResizesTheLastStateLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list()
                .layer(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(16)).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        MultiLayerNetwork t = new TransferLearning.Builder(net).nOutReplace(0, 4, WeightInit.XAVIER).build();
        EqPropBlock b = (EqPropBlock) t.getLayer(0).conf().getLayer();
        assertArrayEquals(new int[]{5, 4}, b.getLayerSizes());
        assertEquals(4, ((EqPropBlockLayer) t.getLayer(0)).chain().width(1));
        assertArrayEquals(new long[]{3, 2}, t.output(Nd4j.rand(DataType.DOUBLE, 3, 16)).shape());
    }

    /** Persistent states warm-start training only: inference is deterministic; the cache stays within its budget. */
    @Test
    void persistentStatesLeaveInferenceDeterministicAndTheCacheBounded() {
        EqPropNetwork net = net(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(8).nudgedSteps(4)
                .persistentStates(true).build(), InputType.feedForward(16));
        DataSet ds = new DataSet(Nd4j.rand(DataType.DOUBLE, 4, 16), Nd4j.eye(3).getRows(0, 1, 2, 0)
                .castTo(DataType.DOUBLE));
        INDArray first = net.output(ds.getFeatures());
        net.fit(ds);
        net.fit(ds);
        INDArray a = net.output(ds.getFeatures());
        INDArray b = net.output(ds.getFeatures());
        assertEquals(a, b, "two identical output() calls agree");
        assertTrue(a.distance2(first) > 0, "training changed the network");

        org.eqprop.dynamics.PersistentStates cache = new org.eqprop.dynamics.PersistentStates(3 * 8 * 4);
        org.eqprop.dynamics.EnergyChain chain = ((EqPropBlockLayer) net.getLayer(0)).chain();
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 16);
        INDArray[] s = chain.zeroStates(5, DataType.FLOAT);
        cache.store(x, new org.eqprop.dynamics.Equilibrium(s, 1, 0, true));
        assertEquals(3, cache.size(), "5 examples of 32 bytes in a 96-byte budget");
        assertEquals(2, cache.evictions());
        assertTrue(cache.bytes() <= 96);
    }

    /** Per-interaction rates apply until setLearningRate (or fine-tuning) replaces the block's updater. */
    @Test
    void setLearningRateOverridesThePerInteractionUpdaters() {
        EqPropBlock block = new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6)
                .layerUpdaters(new Sgd(0.1), new Sgd(0.05)).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.01)).list().layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(16)).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        DataSet ds = new DataSet(Nd4j.rand(DataType.DOUBLE, 4, 16), Nd4j.eye(3).getRows(0, 1, 2, 0)
                .castTo(DataType.DOUBLE));
        double[] rates = stepRates(net, ds);
        assertEquals(0.1, rates[0], 1e-9);
        assertEquals(0.05, rates[1], 1e-9);
        net.setLearningRate(0, 0.5);
        assertEquals(0.5, net.getLearningRate(0), 0);
        rates = stepRates(net, ds);
        assertEquals(0.5, rates[0], 1e-9, "what getLearningRate reports is what trains");
        assertEquals(0.5, rates[1], 1e-9);
    }

    /** The learning rate each interaction's weights moved by in one SGD step: ΔW = −lr · g / n. */
    private static double[] stepRates(EqPropNetwork net, DataSet ds) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray[] g = {net.gradient().getGradientFor("0_W1").dup(), net.gradient().getGradientFor("0_W2").dup()};
        INDArray[] before = {net.getLayer(0).getParam("W1").dup(), net.getLayer(0).getParam("W2").dup()};
        net.fit(ds);
        double[] out = new double[2];
        for (int k = 0; k < 2; k++) {
            INDArray delta = before[k].sub(net.getLayer(0).getParam("W" + (k + 1)));
            out[k] = delta.sumNumber().doubleValue() / g[k].sumNumber().doubleValue() * ds.numExamples();
        }
        return out;
    }

    /** A ComputationGraph trains with the same recomputed force as the MultiLayerNetwork trainer, and clones. */
    @Test
    void computationGraphsGetTheRecomputedForce() {
        EqPropBlock block = new EqPropBlock.Builder().layerSizes(5, 3).beta(0.5).freeSteps(30).nudgedSteps(10).build();
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration gc = new NeuralNetConfiguration.Builder().seed(2)
                .dataType(DataType.DOUBLE).weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).graphBuilder()
                .addInputs("in").addLayer("block", block, "in")
                .addLayer("out", new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY)
                        .build(), "block")
                .setOutputs("out").setInputTypes(InputType.feedForward(16)).build();
        org.eqprop.training.EqPropComputationGraph graph = new org.eqprop.training.EqPropComputationGraph(gc);
        graph.init();
        EqPropNetwork net = net(block.clone(), InputType.feedForward(16));
        net.setParams(graph.params().dup());
        DataSet ds = new DataSet(Nd4j.rand(DataType.DOUBLE, 4, 16), Nd4j.eye(3).getRows(0, 1, 2, 0)
                .castTo(DataType.DOUBLE));
        graph.setInputs(ds.getFeatures());
        graph.setLabels(ds.getLabels());
        graph.computeGradientAndScore();
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray g = graph.gradient().gradient().dup();
        assertEquals(0, g.distance2(net.gradient().gradient()), 1e-12, "the graph gets the trainer's force");

        org.deeplearning4j.nn.graph.ComputationGraph plain = new org.deeplearning4j.nn.graph.ComputationGraph(gc);
        plain.init(graph.params().dup(), false);
        plain.setInputs(ds.getFeatures());
        plain.setLabels(ds.getLabels());
        plain.computeGradientAndScore();
        assertTrue(plain.gradient().gradient().distance2(g) > 1e-6, "a plain graph holds the force: another gradient");

        org.eqprop.training.EqPropComputationGraph copy = graph.clone();
        assertInstanceOf(org.eqprop.training.EqPropComputationGraph.class, copy);
        assertEquals(graph.params(), copy.params());
        copy.fit(ds);
        assertTrue(copy.params().distance2(graph.params()) > 0);
    }

    @Test
    void configurationsRoundTripThroughYamlAndJson() {
        EqPropBlock block = new EqPropBlock.Builder().layerSizes(5, 3).beta(0.3).estimator("random-sign")
                .stateActivation("sigmoid").tolerance(1e-4).layerUpdaters(new Sgd(0.1), new Sgd(0.05)).build();
        EqPropNetwork net = net(block, InputType.feedForward(16));
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        MultiLayerConfiguration yaml = MultiLayerConfiguration.fromYaml(conf.toYaml());
        MultiLayerConfiguration json = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf.toJson(), yaml.toJson(), "YAML keeps every setting");
        assertEquals(conf.toJson(), json.toJson());
        EqPropNetwork again = new EqPropNetwork(yaml);
        again.init(net.params().dup(), false);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 16);
        assertEquals(net.output(x), again.output(x));
    }

    /** Both workspace modes train to the same parameters; FLOAT and DOUBLE work, HALF works or is refused clearly. */
    @Test
    void workspaceModesAndDataTypes() {
        DataSet ds = new DataSet(Nd4j.rand(DataType.DOUBLE, 4, 16), Nd4j.eye(3).getRows(0, 1, 2, 0)
                .castTo(DataType.DOUBLE));
        INDArray[] params = new INDArray[2];
        org.deeplearning4j.nn.conf.WorkspaceMode[] modes = {org.deeplearning4j.nn.conf.WorkspaceMode.ENABLED,
                org.deeplearning4j.nn.conf.WorkspaceMode.NONE};
        for (int i = 0; i < 2; i++) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                    .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).trainingWorkspaceMode(modes[i])
                    .inferenceWorkspaceMode(modes[i]).list()
                    .layer(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build())
                    .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.feedForward(16)).build();
            EqPropNetwork net = new EqPropNetwork(conf);
            net.init();
            net.fit(ds);
            net.fit(ds);
            params[i] = net.params().dup();
        }
        assertEquals(0, params[0].distance2(params[1]), 1e-12, "workspaces change nothing");
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.HALF}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(dt)
                    .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list()
                    .layer(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build())
                    .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                    .setInputType(InputType.feedForward(16)).build();
            EqPropNetwork net = new EqPropNetwork(conf);
            try {
                net.init();
                net.fit(new DataSet(ds.getFeatures().castTo(dt), ds.getLabels().castTo(dt)));
                INDArray out = net.output(ds.getFeatures().castTo(dt));
                assertEquals(dt, out.dataType());
                assertTrue(Double.isFinite(out.sumNumber().doubleValue()), dt + " output is finite");
            } catch (IllegalArgumentException | IllegalStateException e) {
                assertEquals(DataType.HALF, dt, "only HALF may be refused: " + e);
                assertTrue(e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("half"), e.getMessage());
            }
        }
    }

    @Test
    void settingsTheBlockCannotHonourAreRefused() {
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().layerSizes(5, 3).dropOut(0.5).build());
        assertTrue(d.getMessage().contains("dropOut"), d.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().layerSizes(5, 3).activation(Activation.RELU).build());
        assertTrue(a.getMessage().contains("stateActivation"), a.getMessage());
        MultiLayerConfiguration global = new NeuralNetConfiguration.Builder().dropOut(0.5).list()
                .layer(new EqPropBlock.Builder().layerSizes(5, 3).build())
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(16)).build();
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> new EqPropNetwork(global).init());
        assertTrue(g.getMessage().contains("dropout"), g.getMessage());
        EqPropNetwork net = net(new EqPropBlock.Builder().layerSizes(5, 3).freeSteps(20).nudgedSteps(6).build(),
                InputType.feedForward(16));
        net.fit(new DataSet(Nd4j.rand(DataType.DOUBLE, 2, 16), Nd4j.eye(3).getRows(0, 1).castTo(DataType.DOUBLE)));
        String stats = ((EqPropBlockLayer) net.getLayer(0)).relaxationStats().toString();
        assertTrue(stats.startsWith("RelaxationStats{free phases 1 (20.0 steps each)"), stats);
    }
}
