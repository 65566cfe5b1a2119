package org.eqprop.examples.cli;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.UpdateOrder;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.layers.StateActivation;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.EstimationSettings;
import org.eqprop.nn.conf.GradientMethod;
import org.eqprop.nn.conf.RelaxationSettings;
import org.eqprop.util.Records;
import org.eqprop.util.Setting;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.spiking.SpikingSettings;
import org.eqprop.training.CosineAnnealingSchedule;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A named experiment: architecture and the hyperparameters of the paper it reproduces. Command-line options
 * override single fields.
 *
 * <ul>
 *   <li>{@code mnist-fc1}: 784-500-10, hard sigmoid, T=30, K=10, β=0.1, squared error, SGD with the per-layer
 *   learning rates 0.08 (W1) and 0.04 (W2), batch 20, 30 epochs (Ernoult et al. 2019, discrete-time prototypical
 *   EP, 1 hidden layer: 2.00% test error), with the symmetric estimator and cosine annealing of the rates
 *   (Laborieux et al. 2021) by default, T and K as the most steps of phases whose layers update in turn and that
 *   stop at the tolerance 1e-4 (about 6 free and 6 nudged steps; {@code --update-order synchronous --tolerance 0}
 *   runs the paper's steps);</li>
 *   <li>{@code mnist-fc2}: 784-500-500-10, T=100, K=20, β=0.5, learning rates 0.2, 0.05, 0.005, 50 epochs
 *   (Ernoult et al. 2019, 2 hidden layers);</li>
 *   <li>{@code mnist-conv}: 1→32→64 feature maps, 5×5 kernels without padding, 2×2 max pooling, then 10 output
 *   units, T=200, K=10 (Ernoult et al. 2019: 1.02% test error after 40 epochs);</li>
 *   <li>{@code cifar10-laborieux}: 3→128→256→512→512, 3×3 kernels, paddings 1,1,1,0, 2×2 max pooling, softmax
 *   readout 512→10, clip(s/2, 0, 1), T=250, K=25, β=1 symmetric, SGD momentum 0.9, rates 0.25/0.15/0.1/0.08/0.05,
 *   weight decay 3e-4, cosine annealing over 100 epochs, batch 128, 120 epochs (Laborieux et al. 2021: 11.68%);</li>
 *   <li>{@code cifar10-small}: the same recipe at CPU scale (see {@link #named}).</li>
 *   <li>{@code mnist-resistive}: a nonlinear resistive network 784-100-10 trained by EqProp (Kendall et al. 2020,
 *   Scellier thesis ch. 4): inputs ±100 x, ideal diodes clamping hidden nodes to [−1, 1], amplifier gain 2, output
 *   pairs, β = ±1, SGD 0.02 with cosine annealing, batch 4, 10 epochs.</li>
 * </ul>
 */
final class Preset implements Cloneable {

    String name;
    int inputs = 784;
    int[] hidden;
    int classes = 10;
    String cost = "squared";
    /** How the block relaxes: the defaults of {@link RelaxationSettings}, changed by the preset and the options. */
    RelaxationSettings relaxation = RelaxationSettings.DEFAULTS;
    /** How its gradient is formed: the defaults of {@link EstimationSettings}, changed likewise. */
    EstimationSettings estimation = EstimationSettings.DEFAULTS;
    /** False until --bptt-steps is given: BPTT then backpropagates through the last K (nudged steps) free steps. */
    boolean bpttStepsGiven;
    /** True once --tolerance is given; until then BPTT runs the preset without its tolerance (exactly T steps). */
    boolean toleranceGiven;
    /** True once --update-order is given; until then BPTT and RBP run the preset's steps synchronously. */
    boolean updateOrderGiven;
    int burnIn = 20;
    double[] learningRates;
    int batchSize;
    int epochs;
    double momentum = 0;
    double weightDecay = 0;
    String schedule = "constant";
    String algorithm = "eqprop";
    Double feedbackAngle;
    String dataset = "mnist";
    ConvSpec[] conv;
    long[] inputShape = {1, 28, 28};
    boolean augment;
    int cosineEpochs;
    boolean resistive;
    String optimizer = "sgd";
    double inputGain = 1;
    double amplifierGain = 1;
    double biasVoltage = 1;
    double diodeLow = -1;
    double diodeHigh = 1;
    boolean signOnly;
    double initScale = 1;
    int maxSweeps = 1000;
    SpikingSettings spiking;
    WeightInit weightInit = WeightInit.UNIFORM;

    static Preset named(String name) {
        Preset p = new Preset();
        p.name = name;
        switch (name) {
            case "mnist-fc1":
                p.hidden = new int[]{500};
                // T and K are the paper's, as budgets: the layers update in turn (the same fixed points as the
                // paper's synchronous steps, reached in about half the steps) and each phase stops once its states
                // move less than 1e-4; the gradient then differs from the converged synchronous one (T=300, K=100)
                // less than the paper's fixed T=30, K=10 do (docs/performance.md)
                p.relaxation = p.relaxation.withFreeSteps(30).withNudgedSteps(10).withTolerance(1e-4)
                        .withUpdateOrder(UpdateOrder.ALTERNATING);
                p.estimation = p.estimation.withBeta(0.1);
                p.learningRates = new double[]{0.08, 0.04};
                p.batchSize = 20;
                p.epochs = 30;
                p.schedule = "cosine";
                return p;
            case "mnist-fc2":
                p.hidden = new int[]{500, 500};
                p.relaxation = p.relaxation.withFreeSteps(100).withNudgedSteps(20);
                p.estimation = p.estimation.withBeta(0.5);
                p.learningRates = new double[]{0.2, 0.05, 0.005};
                p.batchSize = 20;
                p.epochs = 50;
                return p;
            case "mnist-conv":
                p.conv = new ConvSpec[]{ConvSpec.maxPooled(32, 5, 0), ConvSpec.maxPooled(64, 5, 0)};
                p.hidden = new int[0];
                p.relaxation = p.relaxation.withFreeSteps(200).withNudgedSteps(10);
                p.estimation = p.estimation.withBeta(0.4);
                p.learningRates = new double[]{0.15, 0.08, 0.015};
                p.batchSize = 128;
                p.epochs = 40;
                return p;
            case "cifar10-laborieux":
                p.cifar();
                p.conv = new ConvSpec[]{ConvSpec.maxPooled(128, 3, 1), ConvSpec.maxPooled(256, 3, 1),
                        ConvSpec.maxPooled(512, 3, 1), ConvSpec.maxPooled(512, 3, 0)};
                p.relaxation = p.relaxation.withFreeSteps(250).withNudgedSteps(25);
                p.estimation = p.estimation.withBeta(1.0);
                p.learningRates = new double[]{0.25, 0.15, 0.1, 0.08, 0.05};
                p.weightDecay = 3e-4;
                p.batchSize = 128;
                p.epochs = 120;
                p.cosineEpochs = 100;
                return p;
            case "cifar10-small":
                p.cifar();
                p.conv = new ConvSpec[]{ConvSpec.maxPooled(16, 3, 1), ConvSpec.maxPooled(32, 3, 1),
                        ConvSpec.maxPooled(64, 3, 1)};
                // alternating updates: 20/6 steps give the synchronous 40/10 gradient (cosine 0.9987) in 60% of
                // the time
                p.relaxation = p.relaxation.withUpdateOrder(UpdateOrder.ALTERNATING).withFreeSteps(20).withNudgedSteps(6);
                p.estimation = p.estimation.withBeta(0.5);
                p.learningRates = new double[]{0.1, 0.06, 0.04, 0.02};
                p.weightDecay = 3e-4;
                p.batchSize = 64;
                p.epochs = 10;
                return p;
            case "cifar10-fast": {
                // CIFAR-10 in 90 minutes of 2 CPU cores: cifar10-small's recipe on twice its channels (4x its
                // products, 1.8x its time per iteration with oneDNN), cosine over 8 epochs
                Preset fast = named("cifar10-small");
                fast.name = name;
                fast.conv = new ConvSpec[]{ConvSpec.maxPooled(32, 3, 1), ConvSpec.maxPooled(64, 3, 1),
                        ConvSpec.maxPooled(128, 3, 1)};
                fast.epochs = 8;
                return fast;
            }
            case "mnist-resistive":
                // Kendall et al. 2020 / Scellier et al. 2024 (DRN-XS): 784 doubled inputs amplified 100x, 100 hidden
                // nodes, symmetric nudging beta = 1, plain SGD at batch 4, 10 epochs; learning rate 0.02 (0.006 in
                // Scellier et al. learns slower in this circuit) with cosine annealing
                p.resistive = true;
                p.hidden = new int[]{100};
                p.estimation = p.estimation.withBeta(1.0);
                p.relaxation = p.relaxation.withTolerance(1e-6);
                p.inputGain = 100;
                p.amplifierGain = 2;
                p.learningRates = new double[]{0.02};
                p.schedule = "cosine";
                p.batchSize = 4;
                p.epochs = 10;
                return p;
            case "mnist-spiking":
                // O'Connor et al. 2019: binary EqProp, 784-500-10, 100 negative / 50 positive steps, OSA (nu-bar
                // 0.0346), predictive coding lambda 0.275, beta 0.5 with random sign and rates 0.1, 0.05 on the
                // cost ||s - y||^2, i.e. beta 1 and rates 0.2, 0.1 on the 1/2 ||s - y||^2 used here
                p.spikingPreset(new int[]{500}, SpikingSettings.osa(0.0346).predictive(0.275, 0), 1.0,
                        new double[]{0.2, 0.1});
                return p;
            case "mnist-spiking-3h":
                // the same with three hidden layers (beta 1 and rates 0.128, 0.032, 0.008, 0.002 on ||s - y||^2;
                // OSA nu-bar 0.0788, lambda 0.158 from the authors' search)
                p.spikingPreset(new int[]{500, 500, 500}, SpikingSettings.osa(0.0788).predictive(0.158, 0), 2.0,
                        new double[]{0.256, 0.064, 0.016, 0.004});
                return p;
            default:
                throw new Args.UsageException("unknown preset '" + name + "'; available: "
                        + String.join(", ", PresetOptions.PRESETS));
        }
    }

    /** Binary EqProp (O'Connor et al. 2019): batch 20, 25 epochs, random-sign beta, Glorot-uniform weights. */
    private void spikingPreset(int[] hiddenSizes, SpikingSettings settings, double nudge, double[] rates) {
        hidden = hiddenSizes;
        spiking = settings;
        relaxation = relaxation.withFreeSteps(100).withNudgedSteps(50);
        estimation = estimation.withBeta(nudge).withEstimator(GradientEstimator.Kind.RANDOM_SIGN);
        learningRates = rates;
        batchSize = 20;
        epochs = 25;
        weightInit = WeightInit.XAVIER_UNIFORM;
    }

    /** The CIFAR-10 recipe of Laborieux et al. 2021 (data, readout, activation, optimiser, schedule). */
    private void cifar() {
        dataset = "cifar10";
        inputShape = new long[]{3, 32, 32};
        inputs = 3072;
        hidden = new int[0];
        cost = "cross-entropy";
        relaxation = relaxation.withActivation(StateActivation.Kind.HALF_HARD_SIGMOID);
        momentum = 0.9;
        schedule = "cosine";
        augment = true;
    }

    /** "784-[500]-10" or "3x32x32-conv(...)-...-10". */
    String architecture() {
        StringBuilder s = new StringBuilder(conv == null ? Long.toString(inputs)
                : inputShape[0] + "x" + inputShape[1] + "x" + inputShape[2]);
        if (conv != null) {
            for (ConvSpec c : conv) {
                s.append("-").append(c);
            }
        }
        for (int h : hidden) {
            s.append("-").append(h);
        }
        return s.append("-").append(classes).toString();
    }

    /**
     * The options that set one component of the block's settings records, derived from them: {@code --free-steps} sets
     * {@link RelaxationSettings#freeSteps()}, and a new component documented with {@link Setting} becomes an option
     * with no other change.
     */
    static List<Records.Component> settingOptions() {
        List<Records.Component> options = new java.util.ArrayList<>();
        for (Class<? extends Record> type : List.of(RelaxationSettings.class, EstimationSettings.class)) {
            for (Records.Component c : Records.components(type)) {
                if (c.doc() != null && c.doc().cli()) {
                    options.add(c);
                }
            }
        }
        return options;
    }

    /** Applies the options of {@link #settingOptions()} that were given to {@code settings}. */
    private static <R extends Record> R overrideSettings(R settings, Args a) {
        for (Records.Component c : Records.components(settings.getClass())) {
            if (c.doc() == null || !c.doc().cli()) {
                continue;
            }
            String option = c.kebabName();
            Object value = c.isFlag() ? (a.flag(option) ? Boolean.TRUE : null) : a.string(option, null);
            if (value != null) {
                settings = Options.applySetting(settings, c, value);
            }
        }
        return settings;
    }

    /** Applies the options shared by train, bench and gradient. */
    Preset override(Args a) {
        cost = a.string("cost", cost).toLowerCase(Locale.ROOT);
        if (!cost.equals("squared") && !cost.equals("cross-entropy")) {
            throw new Args.UsageException("--cost must be squared or cross-entropy, got " + cost);
        }
        relaxation = overrideSettings(relaxation, a);
        estimation = overrideSettings(estimation, a);
        bpttStepsGiven |= a.wasGiven("bptt-steps");
        toleranceGiven |= a.wasGiven("tolerance");
        updateOrderGiven |= a.wasGiven("update-order");
        // conveniences: a rule's parameter implies the rule, unless --dynamics says otherwise
        if (a.wasGiven("over-relaxation") && !a.wasGiven("dynamics")) {
            relaxation = relaxation.withDynamics(Dynamics.Kind.OVER_RELAXATION);
        }
        if (a.wasGiven("temperature") && !resistive && !a.wasGiven("dynamics")) {
            relaxation = relaxation.withDynamics(Dynamics.Kind.LANGEVIN);
        }
        if (estimation.readoutGradient() == org.eqprop.nn.conf.ReadoutGradient.NUDGED && !cost.equals("cross-entropy")) {
            throw new Args.UsageException("--readout-gradient nudged moves the softmax readout's gradient: it needs "
                    + "--cost cross-entropy");
        }
        if (a.wasGiven("holomorphic-points") && estimation.estimator() != GradientEstimator.Kind.HOLOMORPHIC) {
            throw new Args.UsageException("--holomorphic-points needs --estimator holomorphic");
        }
        if (a.wasGiven("samples") && (resistive ? relaxation.temperature() == 0
                : estimation.estimator() != GradientEstimator.Kind.LANGEVIN)) {
            throw new Args.UsageException(resistive ? "--samples needs --temperature (node noise)"
                    : "--samples needs --estimator langevin");
        }
        String convolution = a.string("convolution", null);
        if (convolution != null) {
            if (conv == null) {
                throw new Args.UsageException("--convolution applies to the convolutional presets only");
            }
            for (ConvSpec spec : conv) {
                try {
                    spec.algorithm(convolution);
                } catch (IllegalArgumentException e) {
                    throw new Args.UsageException("--" + e.getMessage());
                }
                if (spec.algorithmKind() == org.eqprop.interactions.ConvPoolInteraction.Algorithm.WINOGRAD
                        && (spec.getKernel() != 3 || spec.getStride() != 1 || spec.getPadding() > 2)) {
                    throw new Args.UsageException("--convolution winograd needs 3x3 kernels with stride 1 and "
                            + "padding <= 2, " + name + " has " + spec);
                }
            }
        }
        String precision = a.string("precision", null);
        if (precision != null) {
            // the CUDA kernels' operand precision (org.eqprop.cuda.Precision), read by the CUDA engine provider
            try {
                System.setProperty(org.eqprop.cuda.CudaEngineProvider.PRECISION_PROPERTY,
                        org.eqprop.cuda.Precision.parse(precision).name().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--" + e.getMessage());
            }
        }
        Integer bs = a.optionalInteger("batch-size", 1);
        batchSize = bs == null ? batchSize : bs;
        Integer burn = a.optionalInteger("burn-in", 1);
        if (burn != null) {
            if (!resistive || relaxation.temperature() == 0) {
                throw new Args.UsageException("--burn-in belongs to a noisy resistive network (--temperature)");
            }
            burnIn = burn;
        }
        Double mom = a.optionalDouble("momentum");
        if (mom != null && !(mom >= 0 && mom < 1)) {
            throw new Args.UsageException("--momentum must be in [0, 1), got " + mom);
        }
        momentum = mom == null ? momentum : mom;
        weightDecay = a.nonNegativeDouble("weight-decay", weightDecay);
        schedule = a.string("schedule", schedule);
        if (!schedule.equals("constant") && !schedule.equals("cosine")) {
            throw new Args.UsageException("--schedule must be constant or cosine, got " + schedule);
        }
        algorithm = a.string("algorithm", algorithm);
        if (!List.of("eqprop", "bptt", "rbp", "c-ep", "c-vf").contains(algorithm)) {
            throw new Args.UsageException("--algorithm must be eqprop, bptt, rbp, c-ep or c-vf, got " + algorithm);
        }
        feedbackAngle = a.optionalDouble("feedback-angle");
        if (feedbackAngle != null && !algorithm.equals("c-vf")) {
            throw new Args.UsageException("--feedback-angle belongs to --algorithm c-vf");
        }
        if (isContinual() && !cost.equals("squared")) {
            throw new Args.UsageException("--algorithm " + algorithm + " trains the squared-error presets (C-EP "
                    + "updates the relaxing layers only; a readout layer would need its own rule)");
        }
        Double ig = a.optionalDouble("input-gain");
        inputGain = ig == null ? inputGain : ig;
        Double ag = a.optionalDouble("amplifier-gain");
        amplifierGain = ag == null ? amplifierGain : ag;
        Double bv = a.optionalDouble("bias-voltage");
        biasVoltage = bv == null ? biasVoltage : bv;
        Double dl = a.optionalDouble("diode-low");
        diodeLow = dl == null ? diodeLow : dl;
        Double dh = a.optionalDouble("diode-high");
        diodeHigh = dh == null ? diodeHigh : dh;
        Double is = a.optionalDouble("init-scale");
        initScale = is == null ? initScale : is;
        Integer ms = a.optionalInteger("max-sweeps", 1);
        maxSweeps = ms == null ? maxSweeps : ms;
        signOnly = a.flag("sign-only") || signOnly;
        optimizer = a.string("optimizer", optimizer).toLowerCase(Locale.ROOT);
        if (!optimizer.equals("sgd") && !optimizer.equals("adam")) {
            throw new Args.UsageException("--optimizer must be sgd or adam, got " + optimizer);
        }
        String lrs = a.string("learning-rates", null);
        if (lrs != null) {
            try {
                learningRates = Arrays.stream(lrs.split(",")).mapToDouble(Double::parseDouble).toArray();
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--learning-rates must be comma-separated numbers, got " + lrs);
            }
            for (double r : learningRates) {
                if (!(r > 0) || !Double.isFinite(r)) {
                    throw new Args.UsageException("--learning-rates must be finite and > 0, got " + lrs);
                }
            }
        }
        if (resistive && !algorithm.equals("eqprop")) {
            throw new Args.UsageException("preset " + name + " trains by EqProp only (--algorithm eqprop)");
        }
        Integer ep = a.optionalInteger("epochs", 1);
        epochs = ep == null ? epochs : ep;
        overrideSpiking(a);
        Double lrScale = a.optionalDouble("lr-scale");
        if (lrScale != null && !(lrScale > 0)) {
            throw new Args.UsageException("--lr-scale must be > 0, got " + lrScale);
        }
        if (lrScale != null) {
            learningRates = Arrays.stream(learningRates).map(x -> x * lrScale).toArray();
        }
        return this;
    }

    /** --continuous, --spiking-encoder, --annealer, --osa-target, --step-size, --step-decay, --lambda, --lambda-decay, --real-input. */
    private void overrideSpiking(Args a) {
        String enc = a.string("spiking-encoder", null);
        String ann = a.string("annealer", null);
        Double osa = a.optionalDouble("osa-target");
        Double eps = a.optionalDouble("step-size");
        Double epsDecay = a.optionalDouble("step-decay");
        Double lambda = a.optionalDouble("lambda");
        Double lambdaDecay = a.optionalDouble("lambda-decay");
        boolean realInput = a.flag("real-input");
        if (a.flag("continuous")) {
            if (spiking == null) {
                throw new Args.UsageException("--continuous belongs to the spiking presets");
            }
            // the real-valued baseline of O'Connor et al. 2019: Euler steps of size 0.5 on the same network
            spiking = null;
            relaxation = relaxation.withDynamics(Dynamics.Kind.EULER).withEulerStep(0.5);
            return;
        }
        boolean any = enc != null || ann != null || osa != null || eps != null || epsDecay != null || lambda != null
                || lambdaDecay != null || realInput;
        if (!any) {
            return;
        }
        if (spiking == null) {
            throw new Args.UsageException("the spiking options belong to the spiking presets (mnist-spiking, "
                    + "mnist-spiking-3h)");
        }
        spiking = spiking.copy();
        if (enc != null) {
            spiking.withEncoder(enc);
        }
        if (ann != null) {
            spiking.setAnnealer(ann.toLowerCase(Locale.ROOT));
        }
        if (osa != null) {
            spiking.setOsaTarget(osa);
        }
        if (eps != null) {
            spiking.setStepSize(eps);
        }
        if (epsDecay != null) {
            spiking.setStepSizeDecay(epsDecay);
        }
        if (lambda != null) {
            spiking.setLambda(lambda);
        }
        if (lambdaDecay != null) {
            spiking.setLambdaDecay(lambdaDecay);
        }
        if (realInput) {
            spiking.withInputEncoding(false);
        }
        try {
            spiking.validate();
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    /** A copy whose fields can be changed independently. */
    Preset copy() {
        try {
            return (Preset) clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True for C-EP and C-VF, which update the weights during the nudged phase ({@code ContinualEqProp}). */
    boolean isContinual() {
        return algorithm.startsWith("c-");
    }

    /** The widths of the relaxing layers: the hidden ones, plus the output layer for the squared error. */
    int[] relaxingSizes() {
        if (cost.equals("cross-entropy")) {
            return hidden.clone();
        }
        int[] s = Arrays.copyOf(hidden, hidden.length + 1);
        s[hidden.length] = classes;
        return s;
    }

    /** The DL4J configuration: an EqProp block followed by the cost's DL4J output layer (or a resistive network). */
    /**
     * The relaxation the block gets: the preset's, except that BPTT and RBP, which differentiate the synchronous
     * dynamics (BPTT through exactly T steps), run it synchronously and BPTT without its tolerance, unless the command
     * line asked for them (then the block refuses them).
     */
    RelaxationSettings effectiveRelaxation() {
        RelaxationSettings r = relaxation;
        if (algorithm.equals("bptt") && !toleranceGiven) {
            r = r.withTolerance(0);
        }
        if ((algorithm.equals("bptt") || algorithm.equals("rbp")) && !updateOrderGiven) {
            r = r.withUpdateOrder(UpdateOrder.SYNCHRONOUS);
        }
        return r;
    }

    /** "T=30 K=10", with the update order and the tolerance where they are not the synchronous, every-step ones. */
    String stepsDescription() {
        RelaxationSettings r = effectiveRelaxation();
        return String.format(Locale.ROOT, "T=%d K=%d%s%s", r.freeSteps(), r.nudgedSteps(),
                r.alternating() ? " alternating" : "", r.tolerance() > 0 ? " tolerance " + r.tolerance() : "");
    }

    MultiLayerConfiguration configuration(long seed, DataType dataType) {
        if (resistive) {
            return resistiveConfiguration(seed, dataType);
        }
        int[] sizes = relaxingSizes();
        int depth = (conv == null ? 0 : conv.length) + sizes.length;
        if (learningRates.length != depth + (cost.equals("cross-entropy") ? 1 : 0)
                && learningRates.length != depth) {
            throw new Args.UsageException("preset " + name + " needs " + depth + " learning rates");
        }
        IUpdater[] updaters = new IUpdater[depth];
        for (int i = 0; i < depth; i++) {
            updaters[i] = updater(learningRates[i]);
        }
        EqPropBlock.Builder blockBuilder = new EqPropBlock.Builder().nIn(inputs).layerSizes(sizes);
        if (conv != null) {
            blockBuilder.convLayers(conv);
        }
        EstimationSettings e = estimation.withSeed(seed);
        RelaxationSettings relaxation = effectiveRelaxation();
        if (algorithm.equals("bptt") || algorithm.equals("rbp")) {
            e = e.withMethod(algorithm.equals("bptt") ? GradientMethod.BPTT : GradientMethod.RBP);
            if (!bpttStepsGiven) {
                e = e.withBpttSteps(relaxation.nudgedSteps());
            }
        }
        blockBuilder.relaxation(relaxation).estimation(e).layerUpdaters(updaters).spiking(spiking);
        if (algorithm.equals("c-vf")) {
            blockBuilder.vectorField(feedbackAngle == null ? 90 : feedbackAngle);
        }
        blockBuilder.weightDecay(weightDecay);
        EqPropBlock block = blockBuilder.build();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType)
                .weightInit(weightInit).updater(updater(learningRates[learningRates.length - 1]))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list().layer(block);
        if (cost.equals("cross-entropy")) {
            list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                    .nOut(classes).weightDecay(weightDecay).build());
        } else {
            list.layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        }
        return list.setInputType(conv == null ? InputType.feedForward(inputs)
                : InputType.convolutionalFlat(inputShape[1], inputShape[2], inputShape[0])).build();
    }

    /** One {@link ResistiveBlock} (its own output layer: output pairs and the cost of eq. 4.15). */
    private MultiLayerConfiguration resistiveConfiguration(long seed, DataType dataType) {
        ResistiveBlock.Builder builder = new ResistiveBlock.Builder().nIn(inputs).nOut(classes).hidden(hidden)
                .inputGain(inputGain).amplifierGain(amplifierGain).biasVoltage(biasVoltage).diode(diodeLow, diodeHigh)
                .beta(estimation.beta()).tolerance(relaxation.tolerance()).maxSweeps(maxSweeps).signOnly(signOnly).initScale(initScale)
                .noise(relaxation.temperature(), burnIn, estimation.samples()).noiseSeed(seed);
        if (learningRates.length == hidden.length + 1) {
            builder.crossbarUpdaters(Arrays.stream(learningRates).mapToObj(this::updater).toArray(IUpdater[]::new));
        } else if (learningRates.length != 1) {
            throw new Args.UsageException("preset " + name + " needs 1 or " + (hidden.length + 1)
                    + " learning rates (one per crossbar)");
        }
        ResistiveBlock block = builder.build();
        return new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType)
                .updater(updater(learningRates[0]))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list().layer(block).setInputType(InputType.feedForward(inputs)).build();
    }

    /**
     * Plain SGD (the papers' MNIST runs) or SGD with Nesterov momentum when --momentum is given; with the cosine
     * schedule the rate anneals from lr to lr/1000 over the run's epochs.
     */
    private IUpdater updater(double lr) {
        ISchedule s = schedule.equals("cosine") ? new CosineAnnealingSchedule(ScheduleType.EPOCH, lr, lr * 1e-3,
                Math.max(1, cosineEpochs > 0 ? Math.min(cosineEpochs, epochs) : epochs)) : null;
        if (optimizer.equals("adam")) {
            return s == null ? new Adam(lr) : new Adam(s);
        }
        if (momentum > 0) {
            return s == null ? new Nesterovs(lr, momentum) : new Nesterovs(s, momentum);
        }
        return s == null ? new Sgd(lr) : new Sgd(s);
    }

    /**
     * Useful floating-point operations of one training iteration: per relaxation step every interaction's forward
     * product and its feedback (transpose) product, the input drive once (it is hoisted out of the phases), the
     * readout's products in the nudged phases, and the contrast's weight products (pooling and activations not
     * counted).
     */
    double flopsPerIteration(int batch) {
        return flopsPerIteration(batch, relaxation.freeSteps(), relaxation.nudgedSteps());
    }

    /** The same for phases that took {@code free} and {@code nudged} steps (means, with a tolerance). */
    double flopsPerIteration(int batch, double free, double nudged) {
        EqPropBlock block = (EqPropBlock) configuration(1, DataType.FLOAT).getConf(0).getLayer();
        int n = block.depth();
        double[] macs = new double[n];
        for (int k = 0; k < n; k++) {
            long[] w = block.weightShape(k);
            if (block.isConv(k)) {
                ConvSpec c = block.convSpec(k);
                long[] lower = block.lowerShape(k);
                long h = org.eqprop.interactions.ConvPoolInteraction.convolvedSize(lower[1], c.getKernel(),
                        c.getStride(), c.getPadding());
                long wd = org.eqprop.interactions.ConvPoolInteraction.convolvedSize(lower[2], c.getKernel(),
                        c.getStride(), c.getPadding());
                macs[k] = (double) batch * w[0] * h * wd * w[1] * w[2] * w[3];
            } else {
                macs[k] = (double) batch * w[0] * w[1];
            }
        }
        int nudgedPhases = nudgedPhases();
        double perStep = 0;
        double gradient = 2 * macs[0];
        for (int k = 1; k < n; k++) {
            perStep += 2 * 2 * macs[k];
            gradient += 2 * 2 * macs[k];
        }
        double readout = cost.equals("cross-entropy") ? 2 * 2.0 * batch * block.getNOut() * classes : 0;
        return 2 * macs[0] + perStep * (free + nudgedPhases * nudged) + readout * nudgedPhases * nudged + gradient;
    }

    /** Relaxation steps of one iteration (free + nudged). */
    int stepsPerIteration() {
        return relaxation.freeSteps() + nudgedPhases() * relaxation.nudgedSteps();
    }

    /**
     * Nudged phases per iteration: 2 for the symmetric estimator, ⌊N/2⌋ + 1 for holomorphic EqProp with N points
     * (the conjugate points are not relaxed), 1 otherwise.
     */
    int nudgedPhases() {
        return estimation.nudgedPhases();
    }
}
