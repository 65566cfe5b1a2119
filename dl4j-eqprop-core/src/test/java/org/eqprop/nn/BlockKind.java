package org.eqprop.nn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.DirectedGraphBlock;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.spiking.SpikingSettings;
import org.eqprop.training.EqPropComputationGraph;
import org.eqprop.training.EqPropNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The block kinds of the conformance suite, one entry each: a factory of the kind's small configuration, the input it
 * takes, where in a network it may sit, and (for the gradient check) a converged double-precision configuration or why
 * the kind has no exact gradient. A new kind is one new entry in {@link #all()}; every case of
 * {@link BlockKindsConformanceTest} then runs on it.
 *
 * @param name           the kind, as the parameterised tests show it
 * @param block          a small block, nIn {@link #IN} (or from the input type), nOut {@link #OUT}
 * @param input          the network's input type
 * @param role           where the block may sit
 * @param signedInputs   inputs in [−1, 1) instead of [0, 1)
 * @param exactBlock     a tiny converged block with small β whose estimate is the loss gradient, or null
 * @param inexactBecause why the kind has no exact gradient (when {@code exactBlock} is null)
 */
record BlockKind(String name, Supplier<Layer> block, InputType input, Role role, boolean signedInputs,
                 Supplier<Layer> exactBlock, String inexactBecause) {

    static final int IN = 16;
    static final int OUT = 3;

    /** Where a block may sit in a network. */
    enum Role {
        /** It returns ∂L/∂x: anywhere, followed by an output layer (its nudging force comes from that layer). */
        HIDDEN,
        /** No input gradient: fed by the network's inputs only; any layers may follow it. */
        FIRST,
        /** Its own output layer (labels nudge it), fed by the network's inputs only. */
        OUTPUT
    }

    static List<BlockKind> all() {
        return List.of(
                new BlockKind("dense", () -> new EqPropBlock.Builder().layerSizes(6, OUT).freeSteps(15).nudgedSteps(5)
                        .build(), InputType.feedForward(IN), Role.HIDDEN, false,
                        () -> converged().layerSizes(3, 2).build(), null),
                new BlockKind("conv", () -> new EqPropBlock.Builder().convLayers(new ConvSpec(2, 3, 1, "avg", 2))
                        .layerSizes(OUT).freeSteps(15).nudgedSteps(5).build(), InputType.convolutionalFlat(4, 4, 1),
                        Role.HIDDEN, false,
                        () -> converged().convLayers(new ConvSpec(1, 3, 1, "avg", 2)).layerSizes(2).build(), null),
                new BlockKind("vector-field", () -> new EqPropBlock.Builder().layerSizes(6, OUT).vectorField(70)
                        .stateActivation("sigmoid").freeSteps(15).nudgedSteps(5).build(), InputType.feedForward(IN),
                        Role.HIDDEN, false, null, "its feedback weights B differ from Wᵀ: the dynamics have no "
                        + "energy, and the EqProp estimate (of W and of B) is not the loss gradient"),
                new BlockKind("spiking", () -> new EqPropBlock.Builder().layerSizes(6, OUT).beta(0.5)
                        .estimator("one-sided").freeSteps(20).nudgedSteps(10).spiking(SpikingSettings.osa(0.05))
                        .build(), InputType.feedForward(IN), Role.HIDDEN, false, null, "its neurons send bits with "
                        + "fixed step budgets: the states are quantised, so the estimate has no β → 0 limit equal to "
                        + "the gradient of a loss that finite differences can resolve"),
                new BlockKind("resistive", () -> resistive().build(), InputType.feedForward(IN), Role.OUTPUT, true,
                        () -> new ResistiveBlock.Builder().nIn(4).nOut(2).hidden(3).inputGain(3).amplifierGain(2)
                                .biasVoltage(1).diode(-1, 1).initScale(2).beta(1e-5).tolerance(1e-15)
                                .maxSweeps(1_000_000).build(), null),
                new BlockKind("directed-graph", () -> new DirectedGraphBlock.Builder().nIn(IN).nOut(OUT).hidden(5)
                        .build(), InputType.feedForward(IN), Role.FIRST, false, null, "its weights are not "
                        + "symmetric: the DEEP rule is a learning rule, not the gradient of the loss"));
    }

    private static ResistiveBlock.Builder resistive() {
        return new ResistiveBlock.Builder().nIn(IN).nOut(OUT).hidden(6).inputGain(3).amplifierGain(2).biasVoltage(1)
                .diode(-1, 1).initScale(2);
    }

    /** Converged phases in double precision at small β (Scellier thesis Theorem 2.1: the estimate → ∇L). */
    private static EqPropBlock.Builder converged() {
        return new EqPropBlock.Builder().beta(1e-4).estimator("symmetric").freeSteps(4000).nudgedSteps(4000)
                .tolerance(1e-13).engine("reference");
    }

    @Override
    public String toString() {
        return name;
    }

    /** The network's first interaction has this many inputs (a tiny net for the gradient check: 4, or 1×4×4). */
    InputType exactInput() {
        return role == Role.HIDDEN && input instanceof InputType.InputTypeConvolutionalFlat ? input
                : InputType.feedForward(4);
    }

    boolean convInput() {
        return input instanceof InputType.InputTypeConvolutionalFlat;
    }

    /** A trainable DL4J layer that can feed the block: a 1×1 convolution for map inputs, else a dense layer. */
    Layer below() {
        return convInput()
                ? new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.SIGMOID).build()
                : new DenseLayer.Builder().nOut(IN).activation(Activation.SIGMOID).build();
    }

    /** A trainable head after the block (its output layer defines the loss). */
    static List<Layer> head() {
        return List.of(new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nOut(OUT)
                        .build());
    }

    /** The loss layer after the block (none for a block that is its own output layer). */
    List<Layer> loss() {
        return role == Role.OUTPUT ? List.of()
                : List.of(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
    }

    static NeuralNetConfiguration.Builder base(DataType dt) {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(dt).weightInit(WeightInit.UNIFORM)
                .updater(new Sgd(0.05));
    }

    /** The layers in order, on the kind's input type. */
    MultiLayerConfiguration conf(NeuralNetConfiguration.Builder base, List<Layer> layers) {
        return conf(base, layers, input);
    }

    MultiLayerConfiguration conf(NeuralNetConfiguration.Builder base, List<Layer> layers, InputType in) {
        NeuralNetConfiguration.ListBuilder b = base.list();
        for (Layer l : layers) {
            b.layer(l);
        }
        return b.setInputType(in).build();
    }

    /** The block then its loss layer (or the block alone when it is the output layer). */
    List<Layer> standardLayers() {
        List<Layer> layers = new ArrayList<>();
        layers.add(block.get());
        layers.addAll(loss());
        return layers;
    }

    EqPropNetwork network(DataType dt) {
        return init(new EqPropNetwork(conf(base(dt), standardLayers())));
    }

    /** The same layers as a graph: a chain "in" → names[0] → names[1] → ..., the last one the output. */
    ComputationGraphConfiguration graphConf(NeuralNetConfiguration.Builder base, List<Layer> layers,
                                            List<String> names) {
        return graphConf(base, layers, names, input);
    }

    ComputationGraphConfiguration graphConf(NeuralNetConfiguration.Builder base, List<Layer> layers,
                                            List<String> names, InputType in) {
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs("in");
        String previous = "in";
        for (int i = 0; i < layers.size(); i++) {
            g.addLayer(names.get(i), layers.get(i), previous);
            previous = names.get(i);
        }
        return g.setOutputs(previous).setInputTypes(in).build();
    }

    EqPropComputationGraph graph(DataType dt) {
        List<Layer> layers = standardLayers();
        EqPropComputationGraph g = new EqPropComputationGraph(graphConf(base(dt), layers,
                layers.size() == 1 ? List.of("block") : List.of("block", "out")));
        g.init();
        return g;
    }

    static <T extends org.deeplearning4j.nn.multilayer.MultiLayerNetwork> T init(T net) {
        net.init();
        return net;
    }

    /** n examples with one-hot labels of {@code classes} classes. */
    DataSet data(DataType dt, int n, int classes, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(dt, n, IN);
        INDArray y = Nd4j.zeros(dt, n, classes);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < IN; j++) {
                x.putScalar(i, j, signedInputs ? 2 * r.nextDouble() - 1 : r.nextDouble());
            }
            y.putScalar(i, i % classes, 1.0);
        }
        return new DataSet(x, y);
    }

    DataSet data(DataType dt) {
        return data(dt, 4, OUT, 9);
    }
}
