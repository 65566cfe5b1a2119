package org.eqprop.nn.conf;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.UpdateOrder;
import org.eqprop.engines.EngineKind;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.layers.StateActivation;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.params.EqPropBlockParamInitializer;
import org.eqprop.spiking.SpikingSettings;
import org.eqprop.util.Records;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonAnySetter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Configuration of a block of relaxing layers trained by Equilibrium Propagation: the input x (clamped) and state
 * layers s_1..s_N (convolutional {@code convLayers}, then dense {@code layerSizes}), with primitive function
 * Φ = Σ_k s_kᵀ W_k s_{k−1} + b_kᵀ s_k. Inference is the free phase s* = σ(∂Φ/∂s(θ, x, s*)) and the block's output
 * is s_N*; training uses the nudged phases (see {@link EqPropBlockLayer}).
 *
 * <p>The settings come in three groups: the architecture (the fields of this class), how the block relaxes
 * ({@link RelaxationSettings}) and how its gradient is formed ({@link EstimationSettings}). The builder sets single
 * values or whole settings objects; every default lives in those two records.
 *
 * <p>Use it like any DL4J layer, followed by a DL4J output layer that defines the cost: a {@code LossLayer} with
 * identity activation and {@link org.eqprop.costs.HalfSquaredError} for the papers' squared error on s_N, or an
 * {@code OutputLayer} with softmax and MCXENT for the cross-entropy readout:
 * <pre>{@code
 * .layer(new EqPropBlock.Builder().nIn(784).layerSizes(500, 10).freeSteps(30).nudgedSteps(10).beta(0.5).build())
 * .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
 * }</pre>
 * Parameters are W1, b1, W2, b2, ... (W_k [n_{k−1}, n_k], DL4J's layout), each with the block's updater or, if
 * {@code layerUpdaters} is set, the updater of its interaction (the papers' per-layer learning rates).
 */
public class EqPropBlock extends FeedForwardLayer {

    private int[] layerSizes;
    private List<ConvSpec> convLayers;
    private long[] inputShape;
    private boolean vectorField = false;
    private double feedbackAngle = 90;
    private SpikingSettings spiking;
    private List<IUpdater> layerUpdaters;
    /** The block-level updater when the network was first built: one changed since then replaces layerUpdaters. */
    private IUpdater layerUpdatersBase;
    private RelaxationSettings relaxation = RelaxationSettings.DEFAULTS;
    private EstimationSettings estimation = EstimationSettings.DEFAULTS;

    /** For JSON. */
    public EqPropBlock() {
    }

    private EqPropBlock(Builder b) {
        super(b);
        this.layerSizes = b.layerSizes;
        this.vectorField = b.vectorField;
        this.feedbackAngle = b.feedbackAngle;
        this.convLayers = b.convLayers == null || b.convLayers.isEmpty() ? null : new ArrayList<>(b.convLayers);
        this.inputShape = b.inputShape;
        this.relaxation = b.relaxation;
        this.estimation = b.estimation;
        if (inputShape != null) {
            this.nIn = inputShape[0] * inputShape[1] * inputShape[2];
        }
        this.layerUpdaters = b.layerUpdaters == null ? null : new ArrayList<>(b.layerUpdaters);
        this.spiking = b.spiking == null ? null : b.spiking.copy();
        if (layerSizes == null && convLayers != null) {
            this.layerSizes = new int[0];
        }
        updateNOut();
        validate();
    }
    /** nOut = the units of the last state layer (for a last conv layer: its flattened map, once the input is known). */
    private void updateNOut() {
        if (convLayers != null && inputShape != null) {
            for (int k = 0; k < depth(); k++) {
                stateShape(k); // fails early, naming the layer, when a kernel or a pooling window does not fit
            }
        }
        if (layerSizes != null && layerSizes.length > 0) {
            this.nOut = layerSizes[layerSizes.length - 1];
        } else if (convLayers != null && (inputShape != null)) {
            this.nOut = Arrays.stream(stateShape(depth() - 1)).reduce(1, (a, b) -> a * b);
        }
    }

    /**
     * Sets the units of the last state layer (what {@code TransferLearning.nOutReplace} calls): a dense last layer
     * takes the new size; a convolutional last layer's size follows from its maps, and another one is refused when
     * the network is built.
     */
    @Override
    public void setNOut(long nOut) {
        if (layerSizes != null && layerSizes.length > 0) {
            if (nOut < 1 || nOut > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("EqPropBlock: nOut must be a layer size >= 1, got " + nOut);
            }
            layerSizes = layerSizes.clone();
            layerSizes[layerSizes.length - 1] = (int) nOut;
        }
        // a convolutional last layer's size follows from its maps: a different nOut is refused when the network is
        // built (JSON sets nOut before the maps are known)
        super.setNOut(nOut);
    }

    /** Checks every hyperparameter, with a message naming the bad one. */
    public void validate() {
        if (layerSizes == null || (layerSizes.length == 0 && convLayers == null)) {
            throw new IllegalArgumentException("EqPropBlock: layerSizes (or convLayers) must name at least one state "
                    + "layer");
        }
        for (int w : layerSizes) {
            if (w < 1) {
                throw new IllegalArgumentException("EqPropBlock: layer sizes must be >= 1, got "
                        + Arrays.toString(layerSizes));
            }
        }
        if (convLayers != null) {
            for (int i = 0; i < convLayers.size(); i++) {
                convLayers.get(i).validate(i);
            }
            if (vectorField) {
                throw new IllegalArgumentException("EqPropBlock: vectorField is implemented for dense layers only");
            }
        }
        if (inputShape != null && (inputShape.length != 3 || Arrays.stream(inputShape).anyMatch(d -> d < 1))) {
            throw new IllegalArgumentException("EqPropBlock: inputShape must be {channels, height, width}, got "
                    + Arrays.toString(inputShape));
        }
        relaxation.validate();
        estimation.validate();
        GradientMethod method = estimation.method();
        if (method.backpropagates() && relaxation.alternating()) {
            throw new IllegalArgumentException("EqPropBlock: method " + method.cliName() + " differentiates the "
                    + "synchronous dynamics; use updateOrder synchronous");
        }
        if (method == GradientMethod.BPTT && relaxation.tolerance() > 0) {
            throw new IllegalArgumentException("EqPropBlock: method bptt backpropagates through exactly T = "
                    + relaxation.freeSteps() + " free steps; a tolerance (" + relaxation.tolerance() + ") would stop "
                    + "them early and is not honoured: set it to 0");
        }
        if (method.backpropagates() && relaxation.dynamics() != Dynamics.Kind.FIXED_POINT) {
            throw new IllegalArgumentException("EqPropBlock: method " + method.cliName() + " needs the fixed-point "
                    + "dynamics");
        }
        if (relaxation.doubledBatch() && (method.backpropagates()
                || estimation.estimator() != GradientEstimator.Kind.SYMMETRIC)) {
            throw new IllegalArgumentException("EqPropBlock: doubledBatch runs the +beta and -beta phases of the "
                    + "symmetric estimator together; the gradient is formed by " + describeMethod());
        }
        if (relaxation.mirroredStart() && (method.backpropagates()
                || estimation.estimator() != GradientEstimator.Kind.SYMMETRIC || relaxation.doubledBatch())) {
            throw new IllegalArgumentException("EqPropBlock: mirroredStart starts the symmetric estimator's -beta "
                    + "phase from its +beta phase; " + (relaxation.doubledBatch() ? "doubledBatch runs the two "
                    + "phases together" : "the gradient is formed by " + describeMethod()));
        }
        if (estimation.holomorphic()) {
            validateHolomorphic();
        }
        if (!(feedbackAngle >= 0 && feedbackAngle <= 180)) {
            throw new IllegalArgumentException("EqPropBlock: feedbackAngle must be in [0, 180] degrees, got "
                    + feedbackAngle);
        }
        if (spiking != null) {
            validateSpiking();
        }
        if (layerUpdaters != null && layerUpdaters.size() != depth()) {
            throw new IllegalArgumentException("EqPropBlock: need one updater per interaction (" + depth()
                    + "), got " + layerUpdaters.size());
        }
    }

    /** "estimator symmetric" or "method bptt". */
    private String describeMethod() {
        return estimation.method().backpropagates() ? "method " + estimation.method().cliName()
                : "estimator " + estimation.estimator().cliName();
    }

    /**
     * Holomorphic EqProp needs a σ with a complex extension, the fixed-point dynamics and bilinear interactions
     * (no max pooling, no vector field); its complex phases run on the host, one at a time.
     */
    private void validateHolomorphic() {
        StateActivation act = relaxation.stateActivation();
        String why = !act.isHolomorphic() ? "activation " + act + " is not holomorphic (the clipped sigmoids have "
                + "kinks, where no complex derivative exists): use the sigmoid, logistic or tanh activation"
                : relaxation.dynamics() != Dynamics.Kind.FIXED_POINT ? "dynamics " + relaxation.dynamics().cliName()
                + " clip the states: use the fixed-point dynamics"
                : vectorField ? "vector-field feedback has no primitive function"
                : convLayers != null && convLayers.stream().anyMatch(cs -> cs.poolingKind()
                == org.eqprop.interactions.ConvPoolInteraction.Pooling.MAX) ? "max pooling is not holomorphic: use "
                + "average pooling"
                : spiking != null ? "spiking neurons send real bits" : null;
        if (why != null) {
            throw new IllegalArgumentException("EqPropBlock: estimator " + estimation.estimator().cliName() + ": "
                    + why);
        }
    }

    /** The spiking neurons (O'Connor et al. 2019) relax dense synchronous chains of hard-sigmoid units. */
    private void validateSpiking() {
        spiking.validate();
        String why = convLayers != null ? "convolutional layers" : vectorField ? "vector-field feedback"
                : !relaxation.stateActivation().isHardSigmoid() ? "activation " + relaxation.stateActivation()
                : estimation.method().backpropagates() ? "method " + estimation.method().cliName()
                : relaxation.alternating() ? "updateOrder alternating" : relaxation.doubledBatch() ? "doubledBatch"
                : relaxation.mirroredStart() ? "mirroredStart"
                : relaxation.persistentStates() ? "persistentStates"
                : relaxation.tolerance() > 0 ? "tolerance " + relaxation.tolerance() : null;
        if (why != null) {
            throw new IllegalArgumentException("EqPropBlock: spiking neurons need dense layers with the hard sigmoid, "
                    + "synchronous updates, fixed step budgets and an EqProp estimator; not " + why);
        }
    }

    // ---- derived objects ------------------------------------------------------------------------------------

    /** How the block relaxes. */
    public RelaxationSettings relaxation() {
        return relaxation;
    }

    /** How the block's gradient is formed. */
    public EstimationSettings estimation() {
        return estimation;
    }

    public StateActivation stateActivation() {
        return relaxation.stateActivation();
    }

    /** A new instance of the step rule (Langevin dynamics draw their noise from the estimation seed). */
    public Dynamics dynamicsRule() {
        return relaxation.dynamicsRule(estimation.seed());
    }

    public RelaxationControl freeControl() {
        return relaxation.freeControl();
    }

    public RelaxationControl nudgedControl() {
        return relaxation.nudgedControl();
    }

    /** A new gradient estimator of the estimation settings (EqProp only). */
    public GradientEstimator createEstimator() {
        return estimation.createEstimator(relaxation.nudgedSteps());
    }

    /** The spiking neurons' settings, or null for the continuous network. */
    public SpikingSettings spikingSettings() {
        return spiking;
    }

    /** How many of the last free steps BPTT backpropagates through (all T when bpttSteps is 0 or ≥ T). */
    public int bpttTruncation() {
        int k = estimation.bpttSteps();
        return k <= 0 ? relaxation.freeSteps() : Math.min(k, relaxation.freeSteps());
    }

    /** True when interaction k has its own feedback weights B_k (vector-field blocks, k ≥ 1; the input gets none). */
    public boolean hasFeedback(int k) {
        return vectorField && k > 0;
    }

    /** The number of state layers (and interactions): the convolutional ones, then the dense ones. */
    public int depth() {
        return numConvLayers() + layerSizes.length;
    }

    public int numConvLayers() {
        return convLayers == null ? 0 : convLayers.size();
    }

    /** True when state layer k is a feature map. */
    public boolean isConv(int k) {
        return k < numConvLayers();
    }

    public ConvSpec convSpec(int k) {
        return convLayers.get(k);
    }

    /** The shape of one example of state layer k: {channels, height, width} for a conv layer, {width} otherwise. */
    public long[] stateShape(int k) {
        if (!isConv(k)) {
            return new long[]{layerSizes[k - numConvLayers()]};
        }
        return convLayers.get(k).outputShape(lowerShape(k), k);
    }

    /** The shape of one example of the layer below interaction k (the input for k = 0). */
    public long[] lowerShape(int k) {
        if (k > 0) {
            return stateShape(k - 1);
        }
        if (numConvLayers() == 0) {
            return new long[]{getNIn()};
        }
        if (inputShape == null) {
            throw new IllegalStateException("EqPropBlock with convolutional layers needs the input's shape: "
                    + ".setInputType(InputType.convolutional(height, width, channels)) (or convolutionalFlat) on the "
                    + "network, or inputShape(channels, height, width) on the block");
        }
        return inputShape.clone();
    }

    /** The width of the layer below interaction k (the input for k = 0). */
    public long lowerWidth(int k) {
        return Arrays.stream(lowerShape(k)).reduce(1, (a, b) -> a * b);
    }

    /** The shape of interaction k's weights: [out, in, kH, kW] for a conv layer, [lower width, width] otherwise. */
    public long[] weightShape(int k) {
        if (isConv(k)) {
            ConvSpec c = convLayers.get(k);
            return new long[]{c.getChannels(), lowerShape(k)[0], c.getKernel(), c.getKernel()};
        }
        return new long[]{lowerWidth(k), layerSizes[k - numConvLayers()]};
    }

    /** The number of bias entries of interaction k: one per channel or unit. */
    public long biasSize(int k) {
        return isConv(k) ? convLayers.get(k).getChannels() : layerSizes[k - numConvLayers()];
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType instanceof InputType.InputTypeConvolutionalFlat f && numConvLayers() > 0
                && (inputShape == null || override)) {
            inputShape = new long[]{f.getDepth(), f.getHeight(), f.getWidth()};
        }
        super.setNIn(inputType, override);
        updateNOut();
    }

    /**
     * A convolutional input is flattened by DL4J's CnnToFeedForwardPreProcessor (NCHW order), which the block folds
     * back into feature maps; its shape is taken from the input type here.
     */
    @Override
    public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        if (inputType instanceof InputType.InputTypeConvolutional c && numConvLayers() > 0 && inputShape == null) {
            if (c.getFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW) {
                throw new IllegalArgumentException("EqPropBlock conv layers take NCHW input, got " + c.getFormat());
            }
            inputShape = new long[]{c.getChannels(), c.getHeight(), c.getWidth()};
            updateNOut();
        }
        return super.getPreProcessorForInputType(inputType);
    }

    // ---- DL4J layer contract ---------------------------------------------------------------------------------

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        LayerValidation.assertNInNOutSet("EqPropBlock", getLayerName(), layerIndex, getNIn(), getNOut());
        if ((layerSizes == null || layerSizes.length == 0) && convLayers != null && inputShape != null
                && getNOut() != Arrays.stream(stateShape(depth() - 1)).reduce(1, (x, y) -> x * y)) {
            throw new IllegalArgumentException("EqPropBlock (layer " + layerIndex + "): nOut " + getNOut() + " does "
                    + "not match the last convolution's map (" + Arrays.stream(stateShape(depth() - 1)).reduce(1,
                    (x, y) -> x * y) + " values); its size follows from convLayers, change them instead");
        }
        if (getIDropout() != null) {
            throw new IllegalArgumentException("EqPropBlock (layer " + layerIndex + "): dropout has no meaning inside "
                    + "a relaxation to a fixed point (a global dropOut(...) reaches this block too); put a "
                    + "DropoutLayer before the block, or set dropOut on the other layers only");
        }
        if (layerUpdaters != null && layerUpdatersBase == null && getIUpdater() != null) {
            layerUpdatersBase = getIUpdater().clone();
        }
        return LayerWiring.wire(new EqPropBlockLayer(conf, networkDataType), conf, initializer(), trainingListeners,
                layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return EqPropBlockParamInitializer.getInstance();
    }

    /**
     * The updater of a parameter: its interaction's from {@code layerUpdaters}, until the block-level updater is
     * changed after the network was built ({@code MultiLayerNetwork.setLearningRate}, a {@code FineTuneConfiguration}):
     * from then on that one, for every parameter, so that what {@code getLearningRate} reports is what trains.
     */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (layerUpdaters != null && !layerUpdatersReplaced()) {
            return layerUpdaters.get(EqPropBlockParamInitializer.interactionOf(paramName));
        }
        return super.getUpdaterByParam(paramName);
    }

    /** True when the block-level updater no longer is the one the per-interaction updaters were set against. */
    public boolean layerUpdatersReplaced() {
        return layerUpdaters != null && layerUpdatersBase != null && !layerUpdatersBase.equals(getIUpdater());
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType outputType = getOutputType(-1, inputType);
        long numParams = initializer().numParams(this);
        long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(numParams);
        long states = 0;
        for (int k = 0; k < depth(); k++) {
            states += Arrays.stream(stateShape(k)).reduce(1, (a, b) -> a * b);
        }
        // free state, two nudged states and the drives: constant in the number of relaxation steps
        return new LayerMemoryReport.Builder(getLayerName(), EqPropBlock.class, inputType, outputType)
                .standardMemory(numParams, updaterState)
                .workingMemory(0, 2 * states, 0, 5 * states)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }

    @Override
    public EqPropBlock clone() {
        EqPropBlock c = (EqPropBlock) super.clone();
        c.layerSizes = layerSizes == null ? null : layerSizes.clone();
        c.convLayers = convLayers == null ? null : new ArrayList<>(convLayers);
        c.inputShape = inputShape == null ? null : inputShape.clone();
        c.spiking = spiking == null ? null : spiking.copy();
        c.layerUpdatersBase = layerUpdatersBase == null ? null : layerUpdatersBase.clone();
        if (layerUpdaters != null) {
            c.layerUpdaters = new ArrayList<>();
            for (IUpdater u : layerUpdaters) {
                c.layerUpdaters.add(u.clone());
            }
        }
        return c;
    }

    // ---- bean properties (JSON) ------------------------------------------------------------------------------

    public RelaxationSettings getRelaxation() {
        return relaxation;
    }

    public void setRelaxation(RelaxationSettings relaxation) {
        this.relaxation = java.util.Objects.requireNonNull(relaxation, "relaxation");
    }

    public EstimationSettings getEstimation() {
        return estimation;
    }

    public void setEstimation(EstimationSettings estimation) {
        this.estimation = java.util.Objects.requireNonNull(estimation, "estimation");
    }

    /** Read-only names of the first format, derived from the settings: dropped when read. */
    private static final Set<String> DERIVED_KEYS = Set.of("alternating", "bptt", "holomorphic",
            "recurrentBackprop");

    /**
     * Reads a configuration written before the settings were grouped (flat keys such as {@code freeSteps},
     * {@code estimator: "bptt"}) into the settings objects; any other unknown key is refused rather than ignored.
     */
    @JsonAnySetter
    public void setLegacySetting(String key, Object value) {
        if (DERIVED_KEYS.contains(key)) {
            return;
        }
        String name = key.equals("stateActivation") ? "activation" : key;
        if (name.equals("estimator") && value != null && Set.of("bptt", "rbp").contains(value.toString())) {
            estimation = estimation.withMethod(value.toString().equals("bptt") ? GradientMethod.BPTT
                    : GradientMethod.RBP);
        } else if (Records.has(RelaxationSettings.class, name)) {
            relaxation = Records.with(relaxation, name, value);
        } else if (Records.has(EstimationSettings.class, name)) {
            estimation = Records.with(estimation, name, value);
        } else {
            throw new IllegalArgumentException("EqPropBlock JSON: unknown setting '" + key + "' (written by a newer "
                    + "version of dl4j-eqprop?)");
        }
    }

    public int[] getLayerSizes() {
        return layerSizes;
    }

    public void setLayerSizes(int[] layerSizes) {
        this.layerSizes = layerSizes;
    }

    public boolean isVectorField() {
        return vectorField;
    }

    public void setVectorField(boolean vectorField) {
        this.vectorField = vectorField;
    }

    public double getFeedbackAngle() {
        return feedbackAngle;
    }

    public void setFeedbackAngle(double feedbackAngle) {
        this.feedbackAngle = feedbackAngle;
    }

    public List<ConvSpec> getConvLayers() {
        return convLayers;
    }

    public void setConvLayers(List<ConvSpec> convLayers) {
        this.convLayers = convLayers;
    }

    public long[] getInputShape() {
        return inputShape;
    }

    public void setInputShape(long[] inputShape) {
        this.inputShape = inputShape;
    }

    public SpikingSettings getSpiking() {
        return spiking;
    }

    public void setSpiking(SpikingSettings spiking) {
        this.spiking = spiking;
    }

    public List<IUpdater> getLayerUpdaters() {
        return layerUpdaters;
    }

    public void setLayerUpdaters(List<IUpdater> layerUpdaters) {
        this.layerUpdaters = layerUpdaters;
    }

    public IUpdater getLayerUpdatersBase() {
        return layerUpdatersBase;
    }

    public void setLayerUpdatersBase(IUpdater base) {
        this.layerUpdatersBase = base;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EqPropBlock) || !super.equals(o)) {
            return false;
        }
        EqPropBlock b = (EqPropBlock) o;
        return Arrays.equals(layerSizes, b.layerSizes) && relaxation.equals(b.relaxation)
                && estimation.equals(b.estimation) && vectorField == b.vectorField
                && feedbackAngle == b.feedbackAngle && java.util.Objects.equals(convLayers, b.convLayers)
                && Arrays.equals(inputShape, b.inputShape) && java.util.Objects.equals(layerUpdaters, b.layerUpdaters)
                && java.util.Objects.equals(spiking, b.spiking);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(layerSizes);
    }

    @Override
    public String toString() {
        RelaxationSettings r = relaxation;
        EstimationSettings e = estimation;
        String dyn = spiking != null ? "spiking(" + spiking.describe() + ")" : r.dynamics().cliName()
                + (r.dynamics() == Dynamics.Kind.OVER_RELAXATION ? " " + r.overRelaxation()
                : r.dynamics() == Dynamics.Kind.LANGEVIN ? " T=" + r.temperature() : "");
        String est = e.method().backpropagates() ? e.method().cliName() : e.estimator().cliName()
                + switch (e.estimator()) {
                    case HOLOMORPHIC -> "(N=" + e.holomorphicPoints() + ")";
                    case OSCILLATING -> "(M=" + e.oscillationSteps() + ", warm-up " + e.oscillationWarmup()
                            + ", periods " + e.oscillationPeriods() + ")";
                    case LANGEVIN -> "(S=" + e.samples() + ")";
                    default -> "";
                };
        return "EqPropBlock(nIn=" + getNIn() + (convLayers == null ? "" : ", conv=" + convLayers) + ", layers="
                + Arrays.toString(layerSizes) + ", " + r.stateActivation() + ", " + dyn + ", T=" + r.freeSteps()
                + ", K=" + r.nudgedSteps() + ", beta=" + e.beta() + ", " + est + ")";
    }

    /** Builder in DL4J style: single settings, or whole {@link RelaxationSettings} / {@link EstimationSettings}. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int[] layerSizes;
        private boolean vectorField = false;
        private double feedbackAngle = 90;
        private List<ConvSpec> convLayers;
        private long[] inputShape;
        private List<IUpdater> layerUpdaters;
        private SpikingSettings spiking;
        private RelaxationSettings relaxation = RelaxationSettings.DEFAULTS;
        private EstimationSettings estimation = EstimationSettings.DEFAULTS;

        public Builder() {
            activation(Activation.IDENTITY);
        }

        /** How the block relaxes (replaces every relaxation setting given so far). */
        public Builder relaxation(RelaxationSettings settings) {
            this.relaxation = java.util.Objects.requireNonNull(settings, "relaxation");
            return this;
        }

        /** How the block's gradient is formed (replaces every estimation setting given so far). */
        public Builder estimation(EstimationSettings settings) {
            this.estimation = java.util.Objects.requireNonNull(settings, "estimation");
            return this;
        }

        /** Widths of the state layers s_1..s_N (the last one is the block's output). */
        public Builder layerSizes(int... sizes) {
            this.layerSizes = sizes.clone();
            return this;
        }

        /**
         * Convolutional state layers before the dense {@code layerSizes} (Ernoult et al. 2019; Laborieux et al.
         * 2021): the input is a feature map, each conv layer pools its convolution, the last conv map is flattened
         * (NCHW order) into the first dense layer.
         */
        public Builder convLayers(ConvSpec... specs) {
            this.convLayers = List.of(specs);
            return this;
        }

        /** The input's shape {channels, height, width} (otherwise taken from the network's InputType). */
        public Builder inputShape(long channels, long height, long width) {
            this.inputShape = new long[]{channels, height, width};
            return this;
        }

        /** synchronous (default) or alternating ({@link UpdateOrder}). */
        public Builder updateOrder(UpdateOrder order) {
            relaxation = relaxation.withUpdateOrder(order);
            return this;
        }

        /** By name: synchronous or alternating. */
        public Builder updateOrder(String order) {
            return updateOrder(org.eqprop.util.Named.parse(UpdateOrder.class, order, "updateOrder"));
        }

        /** Runs the symmetric estimator's +β and −β phases together, as one relaxation of a doubled batch. */
        public Builder doubledBatch(boolean doubled) {
            relaxation = relaxation.withDoubledBatch(doubled);
            return this;
        }

        /** Starts the symmetric estimator's −β phase from 2 s^0 − s^{+β} ({@link RelaxationSettings#mirroredStart}). */
        public Builder mirroredStart(boolean mirrored) {
            relaxation = relaxation.withMirroredStart(mirrored);
            return this;
        }

        /** σ: hard-sigmoid (default), half-hard-sigmoid, sigmoid, logistic or tanh. */
        public Builder stateActivation(StateActivation.Kind kind) {
            relaxation = relaxation.withActivation(kind);
            return this;
        }

        /** σ by name. */
        public Builder stateActivation(String name) {
            return stateActivation(StateActivation.Kind.fromName(name));
        }

        /** Leak λ of σ(u) + λu (default 0). */
        public Builder leak(double leak) {
            relaxation = relaxation.withLeak(leak);
            return this;
        }

        /**
         * fixed-point (default: s ← σ(∂Φ/∂s)), euler (thesis eq. 3.25, with step {@link #eulerStep}),
         * over-relaxation (projected SOR, factor {@link #overRelaxation}; best with the alternating order) or langevin
         * (euler plus state noise of {@link #temperature}).
         */
        public Builder dynamics(Dynamics.Kind kind) {
            relaxation = relaxation.withDynamics(kind);
            return this;
        }

        /** The step rule by name. */
        public Builder dynamics(String name) {
            return dynamics(Dynamics.Kind.parse(name));
        }

        public Builder eulerStep(double epsilon) {
            relaxation = relaxation.withEulerStep(epsilon);
            return this;
        }

        /** ω in (0, 2) for {@code dynamics("over-relaxation")} ({@link org.eqprop.dynamics.OverRelaxedDynamics}). */
        public Builder overRelaxation(double omega) {
            relaxation = relaxation.withOverRelaxation(omega);
            return this;
        }

        /** T: steps of the free phase (at most, with a tolerance). */
        public Builder freeSteps(int steps) {
            relaxation = relaxation.withFreeSteps(steps);
            return this;
        }

        /** K: steps of each nudged phase (at most, with a tolerance). */
        public Builder nudgedSteps(int steps) {
            relaxation = relaxation.withNudgedSteps(steps);
            return this;
        }

        /** Stop a phase once ‖s_{t+1} − s_t‖∞ ≤ tolerance (0 = run every step). */
        public Builder tolerance(double tolerance) {
            relaxation = relaxation.withTolerance(tolerance);
            return this;
        }

        public Builder beta(double beta) {
            estimation = estimation.withBeta(beta);
            return this;
        }

        /** How the gradient is computed: EqProp (default), BPTT or RBP ({@link GradientMethod}). */
        public Builder method(GradientMethod method) {
            estimation = estimation.withMethod(method);
            return this;
        }

        /** How EqProp combines its nudged phases ({@link GradientEstimator.Kind}). */
        public Builder estimator(GradientEstimator.Kind kind) {
            estimation = estimation.withMethod(GradientMethod.EQPROP).withEstimator(kind);
            return this;
        }

        /**
         * By name: symmetric (default), one-sided, random-sign, holomorphic, oscillating or langevin EqProp; also
         * bptt or rbp, which set the {@link #method} to backpropagation through the unrolled free phase or recurrent
         * backpropagation at the free fixed point.
         */
        public Builder estimator(String name) {
            String n = name.trim().toLowerCase(java.util.Locale.ROOT);
            if (n.equals("bptt") || n.equals("rbp")) {
                return method(n.equals("bptt") ? GradientMethod.BPTT : GradientMethod.RBP);
            }
            return estimator(GradientEstimator.Kind.parse(name));
        }

        /**
         * Holomorphic EqProp (Laborieux &amp; Zenke 2022): N nudges β_k = |β| e^{2πik/N} on a circle, complex states,
         * and the contour average of ∂Φ/∂θ, exact up to O(|β|^N): {@code estimator(holomorphic(4, 0.5))}. Sets
         * beta to the radius. Needs the sigmoid activation and the fixed-point dynamics.
         */
        public Builder estimator(org.eqprop.estimators.HolomorphicSettings settings) {
            estimation = estimation.withMethod(GradientMethod.EQPROP)
                    .withEstimator(GradientEstimator.Kind.HOLOMORPHIC).withHolomorphicPoints(settings.points())
                    .withBeta(settings.radius());
            return this;
        }

        /**
         * The oscillating nudge (online holomorphic EqProp): one complex phase with β(t) = |β| e^{2πit/M} and the
         * update integrated along it: {@code estimator(oscillating(32, 0.5))}. Sets beta to the radius.
         */
        public Builder estimator(org.eqprop.estimators.OscillationSettings settings) {
            estimation = estimation.withMethod(GradientMethod.EQPROP)
                    .withEstimator(GradientEstimator.Kind.OSCILLATING)
                    .withOscillation(settings.stepsPerPeriod(), settings.warmupPeriods(), settings.periods())
                    .withBeta(settings.radius());
            return this;
        }

        /**
         * With dynamics("langevin"): the temperature T ≥ 0 of the state noise, s ← clip(s + ε(∂Φ/∂s − s) + √(2εT) ξ,
         * 0, 1) with ε = eulerStep (Scellier thesis ch. 6; device noise of analog hardware).
         */
        public Builder temperature(double temperature) {
            relaxation = relaxation.withTemperature(temperature);
            return this;
        }

        /**
         * With estimator("langevin"): S ≥ 1 consecutive samples of each nudged phase, after its nudgedSteps burn-in,
         * averaged in the update −(⟨∂Φ/∂θ⟩_{+β} − ⟨∂Φ/∂θ⟩_{−β})/2β.
         */
        public Builder samples(int samples) {
            estimation = estimation.withSamples(samples);
            return this;
        }

        /** With estimator holomorphic: the number N ≥ 2 of nudges on the circle (default 4). */
        public Builder holomorphicPoints(int points) {
            estimation = estimation.withHolomorphicPoints(points);
            return this;
        }

        /**
         * recomputed (default: −β ∂C/∂s_N from the current state, needs {@link org.eqprop.training.EqPropNetwork})
         * or held (the force at the free fixed point, thesis ch. 2 fn. 1; what a plain MultiLayerNetwork does).
         */
        public Builder nudgingForce(NudgingForce.Mode mode) {
            estimation = estimation.withNudgingForce(mode);
            return this;
        }

        /** The nudging force by name: recomputed or held. */
        public Builder nudgingForce(String mode) {
            return nudgingForce(org.eqprop.util.Named.parse(NudgingForce.Mode.class, mode, "nudgingForce"));
        }

        /** Where the following readout layer's gradient is taken: free (default, exact) or nudged ({@link ReadoutGradient}). */
        public Builder readoutGradient(ReadoutGradient where) {
            estimation = estimation.withReadoutGradient(where);
            return this;
        }

        /** With method bptt: backpropagate through the last K free steps only (0: all T steps). */
        public Builder bpttSteps(int steps) {
            estimation = estimation.withBpttSteps(steps);
            return this;
        }

        /**
         * Separate feedback weights B_k for the top-down drives (vector-field dynamics, Ernoult et al. 2020 C-VF),
         * initialised at {@code initialAngleDegrees} from W_kᵀ (0: symmetric start, 90: independent).
         */
        public Builder vectorField(double initialAngleDegrees) {
            this.vectorField = true;
            this.feedbackAngle = initialAngleDegrees;
            return this;
        }

        /** Seed of the random-sign estimator and the Langevin noise. */
        public Builder seed(long seed) {
            estimation = estimation.withSeed(seed);
            return this;
        }

        /** Start each example's free phase from its last free fixed point (thesis §3.3.2). */
        public Builder persistentStates(boolean persistent) {
            relaxation = relaxation.withPersistentStates(persistent);
            return this;
        }

        /** auto (default: the CUDA engine when a GPU is usable, else the fused CPU kernels when they apply), cpu,
         *  cuda, reference (ND4J ops) or fused: see {@link org.eqprop.engines.EngineChoice}. */
        public Builder engine(EngineKind engine) {
            relaxation = relaxation.withEngine(engine);
            return this;
        }

        /** The engine by name. */
        public Builder engine(String engine) {
            return engine(EngineKind.parse(engine));
        }

        /**
         * Neurons that send only bits (O'Connor et al. 2019): the free and nudged phases run the spiking dynamics of
         * eq. 6 with these encoders, decoders and step-size annealers for freeSteps / nudgedSteps steps, the nudged
         * phases continuing from the free phase's neuron states; the weight update contrasts the states at the end
         * of the phases (eq. 4). Inference is the spiking free phase too.
         */
        public Builder spiking(SpikingSettings settings) {
            this.spiking = settings;
            return this;
        }

        /** One updater per interaction W1/b1, W2/b2, ... (per-layer learning rates). */
        public Builder layerUpdaters(IUpdater... updaters) {
            this.layerUpdaters = List.of(updaters);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public EqPropBlock build() {
            if (activationFn != null && !(activationFn instanceof org.nd4j.linalg.activations.impl.ActivationIdentity)) {
                throw new IllegalArgumentException("EqPropBlock: activation(...) is not used by a relaxing block; the "
                        + "states' nonlinearity is stateActivation(\"hard-sigmoid\" | \"sigmoid\" | ...)");
            }
            if (iDropout != null) {
                throw new IllegalArgumentException("EqPropBlock: dropOut(...) has no meaning inside a relaxation to a "
                        + "fixed point; put a DropoutLayer before the block");
            }
            return new EqPropBlock(this);
        }
    }
}
