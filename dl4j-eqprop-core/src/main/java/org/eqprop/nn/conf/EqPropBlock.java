package org.eqprop.nn.conf;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.layers.StateActivation;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.params.EqPropBlockParamInitializer;
import org.eqprop.spiking.SpikingSettings;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Configuration of a block of relaxing fully connected layers trained by Equilibrium Propagation: the input
 * x (clamped) and state layers s_1..s_N of sizes {@code layerSizes}, with primitive function
 * Φ = Σ_k s_kᵀ W_k s_{k−1} + b_kᵀ s_k. Inference is the free phase s* = σ(∂Φ/∂s(θ, x, s*)) and the block's output
 * is s_N*; training uses the nudged phases (see {@link EqPropBlockLayer}).
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
    private String stateActivation = "hard-sigmoid";
    private double leak = 0;
    private String dynamics = "fixed-point";
    private double eulerStep = 0.5;
    private double overRelaxation = 1.0;
    private int freeSteps = 30;
    private int nudgedSteps = 10;
    private double tolerance = 0;
    private double beta = 0.5;
    private String estimator = "symmetric";
    private int holomorphicPoints = org.eqprop.estimators.HolomorphicSettings.DEFAULT_POINTS;
    private int oscillationSteps = org.eqprop.estimators.OscillationSettings.DEFAULT_STEPS_PER_PERIOD;
    private int oscillationWarmup = org.eqprop.estimators.OscillationSettings.DEFAULT_WARMUP_PERIODS;
    private int oscillationPeriods = org.eqprop.estimators.OscillationSettings.DEFAULT_PERIODS;
    private double temperature = 0;
    private int samples = 1;
    private String nudgingForce = "recomputed";
    private long seed = 42;
    private boolean persistentStates = false;
    private String engine = "auto";
    private int bpttSteps = 0;
    private boolean vectorField = false;
    private double feedbackAngle = 90;
    private List<ConvSpec> convLayers;
    private long[] inputShape;
    private String updateOrder = "synchronous";
    private boolean doubledBatch = false;
    private List<IUpdater> layerUpdaters;
    /** The block-level updater when the network was first built: one changed since then replaces layerUpdaters. */
    private IUpdater layerUpdatersBase;
    private SpikingSettings spiking;

    /** For JSON. */
    public EqPropBlock() {
    }

    private EqPropBlock(Builder b) {
        super(b);
        this.layerSizes = b.layerSizes;
        this.stateActivation = b.stateActivation;
        this.leak = b.leak;
        this.dynamics = b.dynamics;
        this.eulerStep = b.eulerStep;
        this.overRelaxation = b.overRelaxation;
        this.freeSteps = b.freeSteps;
        this.nudgedSteps = b.nudgedSteps;
        this.tolerance = b.tolerance;
        this.beta = b.beta;
        this.estimator = b.estimator;
        this.holomorphicPoints = b.holomorphicPoints;
        this.oscillationSteps = b.oscillationSteps;
        this.oscillationWarmup = b.oscillationWarmup;
        this.oscillationPeriods = b.oscillationPeriods;
        this.temperature = b.temperature;
        this.samples = b.samples;
        this.nudgingForce = b.nudgingForce;
        this.seed = b.seed;
        this.persistentStates = b.persistentStates;
        this.engine = b.engine;
        this.bpttSteps = b.bpttSteps;
        this.vectorField = b.vectorField;
        this.feedbackAngle = b.feedbackAngle;
        this.convLayers = b.convLayers == null || b.convLayers.isEmpty() ? null : new ArrayList<>(b.convLayers);
        this.inputShape = b.inputShape;
        this.updateOrder = b.updateOrder;
        this.doubledBatch = b.doubledBatch;
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
        new RelaxationControl(freeSteps, tolerance);
        new RelaxationControl(nudgedSteps, tolerance);
        if (!List.of("synchronous", "alternating").contains(updateOrder)) {
            throw new IllegalArgumentException("EqPropBlock: updateOrder must be synchronous or alternating, got "
                    + updateOrder);
        }
        if (isAlternating() && (isBptt() || isRecurrentBackprop())) {
            throw new IllegalArgumentException("EqPropBlock: estimator " + estimator + " differentiates the "
                    + "synchronous dynamics; use updateOrder synchronous");
        }
        if (doubledBatch && !"symmetric".equals(estimator)) {
            throw new IllegalArgumentException("EqPropBlock: doubledBatch runs the +beta and -beta phases of the "
                    + "symmetric estimator together; the estimator is " + estimator);
        }
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("EqPropBlock: beta must be finite and > 0 for the nudged phases, got "
                    + beta);
        }
        StateActivation act = stateActivation();
        Dynamics dyn = dynamicsRule();
        if (dyn instanceof org.eqprop.dynamics.OverRelaxedDynamics) {
            try {
                dyn.step(new float[1], new float[1], 1, act);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("EqPropBlock: " + e.getMessage(), e);
            }
        }
        if (temperature != 0 && !(dyn instanceof org.eqprop.dynamics.LangevinDynamics)) {
            throw new IllegalArgumentException("EqPropBlock: a temperature (" + temperature + ") needs "
                    + "dynamics(\"langevin\"); the " + dyn.name() + " dynamics are noise-free");
        }
        if (samples != 1 && !"langevin".equals(estimator)) {
            throw new IllegalArgumentException("EqPropBlock: samples (" + samples + ") are averaged by "
                    + "estimator(\"langevin\") only, not " + estimator);
        }
        if (dyn instanceof org.eqprop.dynamics.LangevinDynamics && !act.isHardSigmoid()) {
            throw new IllegalArgumentException("EqPropBlock: langevin dynamics sample the hard-sigmoid energy; they "
                    + "need the hard-sigmoid activation without leak, got " + act);
        }
        if (dyn instanceof org.eqprop.dynamics.EulerDynamics && !act.isHardSigmoid()) {
            throw new IllegalArgumentException("EqPropBlock: euler dynamics need the hard-sigmoid activation without "
                    + "leak, got " + act);
        }
        if (isBptt() || isRecurrentBackprop()) {
            if (!(dyn instanceof org.eqprop.dynamics.FixedPointDynamics)) {
                throw new IllegalArgumentException("EqPropBlock: estimator " + estimator + " needs the fixed-point "
                        + "dynamics");
            }
            if (bpttSteps < 0) {
                throw new IllegalArgumentException("EqPropBlock: bpttSteps must be >= 0 (0 = all T steps), got "
                        + bpttSteps);
            }
        } else {
            GradientEstimator.of(estimator, seed, holomorphicPoints, oscillation(), samples);
        }
        if (isHolomorphic()) {
            validateHolomorphic(act, dyn);
        }
        if (!(feedbackAngle >= 0 && feedbackAngle <= 180)) {
            throw new IllegalArgumentException("EqPropBlock: feedbackAngle must be in [0, 180] degrees, got "
                    + feedbackAngle);
        }
        if (!List.of("recomputed", "held").contains(nudgingForce)) {
            throw new IllegalArgumentException("EqPropBlock: nudgingForce must be recomputed or held, got "
                    + nudgingForce);
        }
        if (!org.eqprop.engines.EngineChoice.NAMES.contains(engine)) {
            throw new IllegalArgumentException("EqPropBlock: engine must be one of "
                    + org.eqprop.engines.EngineChoice.NAMES + ", got " + engine);
        }
        if (spiking != null) {
            validateSpiking();
        }
        if (layerUpdaters != null && layerUpdaters.size() != depth()) {
            throw new IllegalArgumentException("EqPropBlock: need one updater per interaction (" + depth()
                    + "), got " + layerUpdaters.size());
        }
    }

    /**
     * Holomorphic EqProp needs a σ with a complex extension, the fixed-point dynamics and bilinear interactions
     * (no max pooling, no vector field); its complex phases run on the host, one at a time.
     */
    private void validateHolomorphic(StateActivation act, Dynamics dyn) {
        String why = !act.isHolomorphic() ? "activation " + act + " is not holomorphic (the clipped sigmoids have "
                + "kinks, where no complex derivative exists): use the sigmoid, logistic or tanh activation"
                : !(dyn instanceof org.eqprop.dynamics.FixedPointDynamics) ? "dynamics " + dyn.name() + " clip the "
                + "states: use the fixed-point dynamics"
                : vectorField ? "vector-field feedback has no primitive function"
                : convLayers != null && convLayers.stream().anyMatch(cs -> cs.poolingKind()
                == org.eqprop.interactions.ConvPoolInteraction.Pooling.MAX) ? "max pooling is not holomorphic: use "
                + "average pooling"
                : spiking != null ? "spiking neurons send real bits"
                : doubledBatch ? "doubledBatch runs the symmetric estimator's two real phases" : null;
        if (why != null) {
            throw new IllegalArgumentException("EqPropBlock: estimator " + estimator + ": " + why);
        }
    }

    /** The spiking neurons (O'Connor et al. 2019) relax dense synchronous chains of hard-sigmoid units. */
    private void validateSpiking() {
        spiking.validate();
        String why = convLayers != null ? "convolutional layers" : vectorField ? "vector-field feedback"
                : !stateActivation().isHardSigmoid() ? "activation " + stateActivation()
                : isBptt() || isRecurrentBackprop() ? "estimator " + estimator
                : isAlternating() ? "updateOrder alternating" : doubledBatch ? "doubledBatch"
                : persistentStates ? "persistentStates" : tolerance > 0 ? "tolerance " + tolerance : null;
        if (why != null) {
            throw new IllegalArgumentException("EqPropBlock: spiking neurons need dense layers with the hard sigmoid, "
                    + "synchronous updates, fixed step budgets and an EqProp estimator; not " + why);
        }
    }

    // ---- derived objects ------------------------------------------------------------------------------------

    public StateActivation stateActivation() {
        return StateActivation.of(stateActivation, leak);
    }

    /** A new instance of the step rule (Langevin dynamics draw their noise from {@link #getSeed()}). */
    public Dynamics dynamicsRule() {
        return Dynamics.of(dynamics, eulerStep, overRelaxation, temperature, seed);
    }

    public RelaxationControl freeControl() {
        return new RelaxationControl(freeSteps, tolerance, isAlternating());
    }

    public RelaxationControl nudgedControl() {
        return new RelaxationControl(nudgedSteps, tolerance, isAlternating());
    }

    /** The spiking neurons' settings, or null for the continuous network. */
    public SpikingSettings spikingSettings() {
        return spiking;
    }

    /** True when the layers relax in the alternating (even, then odd) order. */
    public boolean isAlternating() {
        return "alternating".equals(updateOrder);
    }

    /** True when the block is trained by backpropagation through time instead of EqProp. */
    /** True for holomorphic EqProp (complex nudges on a circle of radius β, relaxed or oscillating). */
    public boolean isHolomorphic() {
        return "holomorphic".equals(estimator) || "oscillating".equals(estimator);
    }

    /** {values of β per period, warm-up periods, integrated periods, steps per value (K)} of the oscillating nudge. */
    public int[] oscillation() {
        return new int[]{oscillationSteps, oscillationWarmup, oscillationPeriods, nudgedSteps};
    }

    public boolean isBptt() {
        return "bptt".equals(estimator);
    }

    /** True when the block is trained by recurrent backpropagation (Almeida–Pineda) at the free fixed point. */
    public boolean isRecurrentBackprop() {
        return "rbp".equals(estimator);
    }

    /** How many of the last free steps BPTT backpropagates through (all T when bpttSteps is 0 or ≥ T). */
    public int bpttTruncation() {
        return bpttSteps <= 0 ? freeSteps : Math.min(bpttSteps, freeSteps);
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

    public int[] getLayerSizes() {
        return layerSizes;
    }

    public void setLayerSizes(int[] layerSizes) {
        this.layerSizes = layerSizes;
    }

    public String getStateActivation() {
        return stateActivation;
    }

    public void setStateActivation(String stateActivation) {
        this.stateActivation = stateActivation;
    }

    public double getLeak() {
        return leak;
    }

    public void setLeak(double leak) {
        this.leak = leak;
    }

    public String getDynamics() {
        return dynamics;
    }

    public void setDynamics(String dynamics) {
        this.dynamics = dynamics;
    }

    public double getEulerStep() {
        return eulerStep;
    }

    /** The factor ω of the over-relaxation dynamics (1 = the fixed-point iteration). */
    public double getOverRelaxation() {
        return overRelaxation;
    }

    public void setOverRelaxation(double overRelaxation) {
        this.overRelaxation = overRelaxation;
    }

    public void setEulerStep(double eulerStep) {
        this.eulerStep = eulerStep;
    }

    public int getFreeSteps() {
        return freeSteps;
    }

    public void setFreeSteps(int freeSteps) {
        this.freeSteps = freeSteps;
    }

    public int getNudgedSteps() {
        return nudgedSteps;
    }

    public void setNudgedSteps(int nudgedSteps) {
        this.nudgedSteps = nudgedSteps;
    }

    public double getTolerance() {
        return tolerance;
    }

    public void setTolerance(double tolerance) {
        this.tolerance = tolerance;
    }

    public double getBeta() {
        return beta;
    }

    public void setBeta(double beta) {
        this.beta = beta;
    }

    public String getEstimator() {
        return estimator;
    }

    public void setEstimator(String estimator) {
        this.estimator = estimator;
    }

    /** With estimator holomorphic: the number N of nudges on the circle |β| = beta. */
    public int getHolomorphicPoints() {
        return holomorphicPoints;
    }

    public void setHolomorphicPoints(int holomorphicPoints) {
        this.holomorphicPoints = holomorphicPoints;
    }

    /** With estimator oscillating: values of β per turn (each held for nudgedSteps steps). */
    public int getOscillationSteps() {
        return oscillationSteps;
    }

    public void setOscillationSteps(int oscillationSteps) {
        this.oscillationSteps = oscillationSteps;
    }

    /** With estimator oscillating: turns of β before the update is integrated. */
    public int getOscillationWarmup() {
        return oscillationWarmup;
    }

    public void setOscillationWarmup(int oscillationWarmup) {
        this.oscillationWarmup = oscillationWarmup;
    }

    /** With estimator oscillating: turns of β the update is integrated over. */
    public int getOscillationPeriods() {
        return oscillationPeriods;
    }

    public void setOscillationPeriods(int oscillationPeriods) {
        this.oscillationPeriods = oscillationPeriods;
    }

    /** With dynamics langevin: the temperature T of the state noise √(2εT) ξ. */
    public double getTemperature() {
        return temperature;
    }

    public void setTemperature(double temperature) {
        this.temperature = temperature;
    }

    /** With estimator langevin: samples S of each nudged phase averaged in the update. */
    public int getSamples() {
        return samples;
    }

    public void setSamples(int samples) {
        this.samples = samples;
    }

    public String getNudgingForce() {
        return nudgingForce;
    }

    public void setNudgingForce(String nudgingForce) {
        this.nudgingForce = nudgingForce;
    }

    public long getSeed() {
        return seed;
    }

    public void setSeed(long seed) {
        this.seed = seed;
    }

    public boolean isPersistentStates() {
        return persistentStates;
    }

    public void setPersistentStates(boolean persistentStates) {
        this.persistentStates = persistentStates;
    }

    public String getEngine() {
        return engine;
    }

    public void setEngine(String engine) {
        this.engine = engine;
    }

    public int getBpttSteps() {
        return bpttSteps;
    }

    public void setBpttSteps(int bpttSteps) {
        this.bpttSteps = bpttSteps;
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

    public String getUpdateOrder() {
        return updateOrder;
    }

    public void setUpdateOrder(String updateOrder) {
        this.updateOrder = updateOrder;
    }

    public boolean isDoubledBatch() {
        return doubledBatch;
    }

    public void setDoubledBatch(boolean doubledBatch) {
        this.doubledBatch = doubledBatch;
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
        return Arrays.equals(layerSizes, b.layerSizes) && stateActivation.equals(b.stateActivation)
                && leak == b.leak && dynamics.equals(b.dynamics) && eulerStep == b.eulerStep
                && overRelaxation == b.overRelaxation
                && freeSteps == b.freeSteps && nudgedSteps == b.nudgedSteps && tolerance == b.tolerance
                && beta == b.beta && estimator.equals(b.estimator) && holomorphicPoints == b.holomorphicPoints
                && Arrays.equals(oscillation(), b.oscillation()) && temperature == b.temperature
                && samples == b.samples
                && nudgingForce.equals(b.nudgingForce)
                && seed == b.seed && persistentStates == b.persistentStates && engine.equals(b.engine)
                && bpttSteps == b.bpttSteps && vectorField == b.vectorField && feedbackAngle == b.feedbackAngle
                && java.util.Objects.equals(convLayers, b.convLayers) && Arrays.equals(inputShape, b.inputShape)
                && updateOrder.equals(b.updateOrder) && doubledBatch == b.doubledBatch
                && java.util.Objects.equals(layerUpdaters, b.layerUpdaters)
                && java.util.Objects.equals(spiking, b.spiking);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(layerSizes);
    }

    @Override
    public String toString() {
        return "EqPropBlock(nIn=" + getNIn() + (convLayers == null ? "" : ", conv=" + convLayers) + ", layers="
                + Arrays.toString(layerSizes) + ", " + stateActivation
                + ", " + (spiking == null ? dynamics + (dynamics.equals("over-relaxation") ? " " + overRelaxation
                : dynamics.equals("langevin") ? " T=" + temperature : "")
                : "spiking(" + spiking.describe() + ")") + ", T=" + freeSteps
                + ", K=" + nudgedSteps + ", beta=" + beta + ", " + estimator
                + ("holomorphic".equals(estimator) ? "(N=" + holomorphicPoints + ")"
                : "oscillating".equals(estimator) ? "(M=" + oscillationSteps + ", warm-up " + oscillationWarmup
                + ", periods " + oscillationPeriods + ")"
                : "langevin".equals(estimator) ? "(S=" + samples + ")" : "") + ")";
    }

    /** Builder in DL4J style. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int[] layerSizes;
        private String stateActivation = "hard-sigmoid";
        private double leak = 0;
        private String dynamics = "fixed-point";
        private double eulerStep = 0.5;
        private double overRelaxation = 1.0;
        private int freeSteps = 30;
        private int nudgedSteps = 10;
        private double tolerance = 0;
        private double beta = 0.5;
        private String estimator = "symmetric";
        private int holomorphicPoints = org.eqprop.estimators.HolomorphicSettings.DEFAULT_POINTS;
        private int oscillationSteps = org.eqprop.estimators.OscillationSettings.DEFAULT_STEPS_PER_PERIOD;
        private int oscillationWarmup = org.eqprop.estimators.OscillationSettings.DEFAULT_WARMUP_PERIODS;
        private int oscillationPeriods = org.eqprop.estimators.OscillationSettings.DEFAULT_PERIODS;
        private double temperature = 0;
        private int samples = 1;
        private String nudgingForce = "recomputed";
        private long seed = 42;
        private boolean persistentStates = false;
        private String engine = "auto";
        private int bpttSteps = 0;
        private boolean vectorField = false;
        private double feedbackAngle = 90;
        private List<ConvSpec> convLayers;
        private long[] inputShape;
        private String updateOrder = "synchronous";
        private boolean doubledBatch = false;
        private List<IUpdater> layerUpdaters;
        private SpikingSettings spiking;

        public Builder() {
            activation(Activation.IDENTITY);
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

        /**
         * synchronous (default: every layer from s_t, Ernoult et al. 2019) or alternating (even layers, then odd
         * ones from the new even ones; Scellier et al. 2023 reach the same accuracy with 60/20 instead of 250/30
         * steps).
         */
        public Builder updateOrder(String order) {
            this.updateOrder = order.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Runs the symmetric estimator's +β and −β phases together, as one relaxation of a doubled batch. */
        public Builder doubledBatch(boolean doubled) {
            this.doubledBatch = doubled;
            return this;
        }

        /** The input's shape {channels, height, width} (otherwise taken from the network's InputType). */
        public Builder inputShape(long channels, long height, long width) {
            this.inputShape = new long[]{channels, height, width};
            return this;
        }

        /** σ: hard-sigmoid (default), half-hard-sigmoid or sigmoid. */
        public Builder stateActivation(String name) {
            this.stateActivation = name.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Leak λ of σ(u) + λu (default 0). */
        public Builder leak(double leak) {
            this.leak = leak;
            return this;
        }

        /**
         * fixed-point (default: s ← σ(∂Φ/∂s)), euler (thesis eq. 3.25, with step {@link #eulerStep}),
         * over-relaxation (projected SOR, factor {@link #overRelaxation}; best with the alternating order) or langevin
         * (euler plus state noise of {@link #temperature}).
         */
        public Builder dynamics(String name) {
            this.dynamics = name.toLowerCase(Locale.ROOT);
            return this;
        }

        public Builder eulerStep(double epsilon) {
            this.eulerStep = epsilon;
            return this;
        }

        /** ω in (0, 2) for {@code dynamics("over-relaxation")} ({@link org.eqprop.dynamics.OverRelaxedDynamics}). */
        public Builder overRelaxation(double omega) {
            this.overRelaxation = omega;
            return this;
        }

        /** T: steps of the free phase (at most, with a tolerance). */
        public Builder freeSteps(int steps) {
            this.freeSteps = steps;
            return this;
        }

        /** K: steps of each nudged phase (at most, with a tolerance). */
        public Builder nudgedSteps(int steps) {
            this.nudgedSteps = steps;
            return this;
        }

        /** Stop a phase once ‖s_{t+1} − s_t‖∞ ≤ tolerance (0 = run every step). */
        public Builder tolerance(double tolerance) {
            this.tolerance = tolerance;
            return this;
        }

        public Builder beta(double beta) {
            this.beta = beta;
            return this;
        }

        /**
         * symmetric (default), one-sided, random-sign, holomorphic, oscillating or langevin EqProp; bptt: backpropagation through the unrolled free
         * phase (the baseline EqProp is compared with; memory grows with T); rbp: recurrent backpropagation at the
         * free fixed point, with nudgedSteps iterations (give the free phase a tolerance).
         */
        public Builder estimator(String name) {
            this.estimator = name.toLowerCase(Locale.ROOT);
            return this;
        }

        /**
         * Holomorphic EqProp (Laborieux &amp; Zenke 2022): N nudges β_k = |β| e^{2πik/N} on a circle, complex states,
         * and the contour average of ∂Φ/∂θ, exact up to O(|β|^N): {@code estimator(holomorphic(4, 0.5))}. Sets
         * beta to the radius. Needs the sigmoid activation and the fixed-point dynamics.
         */
        public Builder estimator(org.eqprop.estimators.HolomorphicSettings settings) {
            this.estimator = "holomorphic";
            this.holomorphicPoints = settings.points();
            this.beta = settings.radius();
            return this;
        }

        /**
         * The oscillating nudge (online holomorphic EqProp): one complex phase with β(t) = |β| e^{2πit/M} and the
         * update integrated along it: {@code estimator(oscillating(32, 0.5))}. Sets beta to the radius.
         */
        public Builder estimator(org.eqprop.estimators.OscillationSettings settings) {
            this.estimator = "oscillating";
            this.oscillationSteps = settings.stepsPerPeriod();
            this.oscillationWarmup = settings.warmupPeriods();
            this.oscillationPeriods = settings.periods();
            this.beta = settings.radius();
            return this;
        }

        /**
         * With dynamics("langevin"): the temperature T ≥ 0 of the state noise, s ← clip(s + ε(∂Φ/∂s − s) + √(2εT) ξ,
         * 0, 1) with ε = eulerStep (Scellier thesis ch. 6; device noise of analog hardware).
         */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /**
         * With estimator("langevin"): S ≥ 1 consecutive samples of each nudged phase, after its nudgedSteps burn-in,
         * averaged in the update −(⟨∂Φ/∂θ⟩_{+β} − ⟨∂Φ/∂θ⟩_{−β})/2β.
         */
        public Builder samples(int samples) {
            this.samples = samples;
            return this;
        }

        /** With estimator holomorphic: the number N ≥ 2 of nudges on the circle (default 4). */
        public Builder holomorphicPoints(int points) {
            this.holomorphicPoints = points;
            return this;
        }

        /**
         * recomputed (default: −β ∂C/∂s_N from the current state, needs {@link org.eqprop.training.EqPropNetwork})
         * or held (the force at the free fixed point, thesis ch. 2 fn. 1; what a plain MultiLayerNetwork does).
         */
        public Builder nudgingForce(String mode) {
            this.nudgingForce = mode.toLowerCase(Locale.ROOT);
            return this;
        }

        /** With estimator bptt: backpropagate through the last K free steps only (0: all T steps). */
        public Builder bpttSteps(int steps) {
            this.bpttSteps = steps;
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

        /** Seed of the random-sign estimator. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Start each example's free phase from its last free fixed point (thesis §3.3.2). */
        public Builder persistentStates(boolean persistent) {
            this.persistentStates = persistent;
            return this;
        }

        /** auto (default: the CUDA engine when a GPU is usable, else the fused CPU kernels when they apply), cpu,
         *  cuda, reference (ND4J ops) or fused: see {@link org.eqprop.engines.EngineChoice}. */
        public Builder engine(String engine) {
            this.engine = engine.toLowerCase(Locale.ROOT);
            return this;
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
