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
import org.eqprop.nn.conf.EqPropBlock;
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
 *   (Laborieux et al. 2021) by default;</li>
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
    String activation = "hard-sigmoid";
    int freeSteps;
    int nudgedSteps;
    double beta;
    String estimator = "symmetric";
    int holomorphicPoints = org.eqprop.estimators.HolomorphicSettings.DEFAULT_POINTS;
    double temperature = 0;
    int samples = 1;
    int burnIn = 20;
    double[] learningRates;
    int batchSize;
    int epochs;
    String engine = "auto";
    double tolerance = 0;
    double leak = 0;
    String dynamics = "fixed-point";
    double eulerStep = 0.5;
    double overRelaxation = 1.0;
    String nudgingForce = "recomputed";
    boolean persistentStates = false;
    double momentum = 0;
    double weightDecay = 0;
    String schedule = "constant";
    String algorithm = "eqprop";
    int bpttSteps = -1;
    Double feedbackAngle;
    String dataset = "mnist";
    ConvSpec[] conv;
    long[] inputShape = {1, 28, 28};
    boolean augment;
    int cosineEpochs;
    String updateOrder = "synchronous";
    boolean doubledBatch;
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
                p.freeSteps = 30;
                p.nudgedSteps = 10;
                p.beta = 0.1;
                p.learningRates = new double[]{0.08, 0.04};
                p.batchSize = 20;
                p.epochs = 30;
                p.schedule = "cosine";
                return p;
            case "mnist-fc2":
                p.hidden = new int[]{500, 500};
                p.freeSteps = 100;
                p.nudgedSteps = 20;
                p.beta = 0.5;
                p.learningRates = new double[]{0.2, 0.05, 0.005};
                p.batchSize = 20;
                p.epochs = 50;
                return p;
            case "mnist-conv":
                p.conv = new ConvSpec[]{ConvSpec.maxPooled(32, 5, 0), ConvSpec.maxPooled(64, 5, 0)};
                p.hidden = new int[0];
                p.freeSteps = 200;
                p.nudgedSteps = 10;
                p.beta = 0.4;
                p.learningRates = new double[]{0.15, 0.08, 0.015};
                p.batchSize = 128;
                p.epochs = 40;
                return p;
            case "cifar10-laborieux":
                p.cifar();
                p.conv = new ConvSpec[]{ConvSpec.maxPooled(128, 3, 1), ConvSpec.maxPooled(256, 3, 1),
                        ConvSpec.maxPooled(512, 3, 1), ConvSpec.maxPooled(512, 3, 0)};
                p.freeSteps = 250;
                p.nudgedSteps = 25;
                p.beta = 1.0;
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
                p.updateOrder = "alternating";
                p.freeSteps = 20;
                p.nudgedSteps = 6;
                p.beta = 0.5;
                p.learningRates = new double[]{0.1, 0.06, 0.04, 0.02};
                p.weightDecay = 3e-4;
                p.batchSize = 64;
                p.epochs = 10;
                return p;
            case "mnist-resistive":
                // Kendall et al. 2020 / Scellier et al. 2024 (DRN-XS): 784 doubled inputs amplified 100x, 100 hidden
                // nodes, symmetric nudging beta = 1, plain SGD at batch 4, 10 epochs; learning rate 0.02 (0.006 in
                // Scellier et al. learns slower in this circuit) with cosine annealing
                p.resistive = true;
                p.hidden = new int[]{100};
                p.beta = 1.0;
                p.tolerance = 1e-6;
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
                throw new Args.UsageException("unknown preset '" + name + "'; available: mnist-fc1, mnist-fc2, "
                        + "mnist-conv, cifar10-small, cifar10-laborieux, mnist-spiking, mnist-spiking-3h, mnist-resistive");
        }
    }

    /** Binary EqProp (O'Connor et al. 2019): batch 20, 25 epochs, random-sign beta, Glorot-uniform weights. */
    private void spikingPreset(int[] hiddenSizes, SpikingSettings settings, double nudge, double[] rates) {
        hidden = hiddenSizes;
        spiking = settings;
        freeSteps = 100;
        nudgedSteps = 50;
        beta = nudge;
        estimator = "random-sign";
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
        activation = "half-hard-sigmoid";
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

    /** Applies the options shared by train, bench and gradient. */
    Preset override(Args a) {
        activation = a.string("activation", activation).toLowerCase(Locale.ROOT);
        cost = a.string("cost", cost).toLowerCase(Locale.ROOT);
        if (!cost.equals("squared") && !cost.equals("cross-entropy")) {
            throw new Args.UsageException("--cost must be squared or cross-entropy, got " + cost);
        }
        estimator = a.string("estimator", estimator);
        Integer points = a.optionalInteger("holomorphic-points", 2);
        if (points != null) {
            if (!estimator.equals("holomorphic")) {
                throw new Args.UsageException("--holomorphic-points needs --estimator holomorphic");
            }
            holomorphicPoints = points;
        }
        try {
            engine = org.eqprop.engines.EngineChoice.checked(a.string("engine", engine));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--" + e.getMessage());
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
        Integer t = a.optionalInteger("free-steps", 1);
        freeSteps = t == null ? freeSteps : t;
        Integer k = a.optionalInteger("nudged-steps", 1);
        nudgedSteps = k == null ? nudgedSteps : k;
        beta = a.positiveDouble("beta", beta);
        tolerance = a.nonNegativeDouble("tolerance", tolerance);
        Integer bs = a.optionalInteger("batch-size", 1);
        batchSize = bs == null ? batchSize : bs;
        Double lk = a.optionalDouble("leak");
        leak = lk == null ? leak : lk;
        dynamics = a.string("dynamics", dynamics);
        Double eps = a.optionalDouble("euler-step");
        eulerStep = eps == null ? eulerStep : eps;
        Double omega = a.optionalDouble("over-relaxation");
        if (omega != null) {
            overRelaxation = omega;
            dynamics = a.string("dynamics", "over-relaxation");
        }
        nudgingForce = a.string("nudging-force", nudgingForce);
        temperature = a.nonNegativeDouble("temperature", temperature);
        if (a.wasGiven("temperature") && !resistive) {
            dynamics = a.string("dynamics", "langevin");
        }
        Integer s = a.optionalInteger("samples", 1);
        if (s != null) {
            if (resistive ? temperature == 0 : !estimator.equals("langevin")) {
                throw new Args.UsageException(resistive ? "--samples needs --temperature (node noise)"
                        : "--samples needs --estimator langevin");
            }
            samples = s;
        }
        Integer burn = a.optionalInteger("burn-in", 1);
        if (burn != null) {
            if (!resistive || temperature == 0) {
                throw new Args.UsageException("--burn-in belongs to a noisy resistive network (--temperature)");
            }
            burnIn = burn;
        }
        persistentStates = a.flag("persistent-states") || persistentStates;
        updateOrder = a.string("update-order", updateOrder);
        doubledBatch = a.flag("doubled-batch") || doubledBatch;
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
        Integer bs2 = a.optionalInteger("bptt-steps", 0);
        bpttSteps = bs2 == null ? bpttSteps : bs2;
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
        checkNames();
        Double lrScale = a.optionalDouble("lr-scale");
        if (lrScale != null && !(lrScale > 0)) {
            throw new Args.UsageException("--lr-scale must be > 0, got " + lrScale);
        }
        if (lrScale != null) {
            learningRates = Arrays.stream(learningRates).map(x -> x * lrScale).toArray();
        }
        return this;
    }

    /** Refuses unknown names of the activation, estimator, dynamics, update order and nudging force (exit 2). */
    private void checkNames() {
        try {
            org.eqprop.layers.StateActivation.of(activation, Math.max(0, leak));
            if (!List.of("bptt", "rbp").contains(algorithm)) {
                org.eqprop.estimators.GradientEstimator.of(estimator, 0, holomorphicPoints,
                        new int[]{32, 0, 1, 1}, Math.max(1, samples));
            }
            if (!dynamics.equalsIgnoreCase("langevin")) {
                org.eqprop.dynamics.Dynamics.of(dynamics, eulerStep, overRelaxation);
            }
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
        if (!List.of("synchronous", "alternating").contains(updateOrder)) {
            throw new Args.UsageException("--update-order must be synchronous or alternating, got " + updateOrder);
        }
        if (!List.of("recomputed", "held").contains(nudgingForce)) {
            throw new Args.UsageException("--nudging-force must be recomputed or held, got " + nudgingForce);
        }
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
            dynamics = "euler";
            eulerStep = 0.5;
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
        blockBuilder.stateActivation(activation)
                .leak(leak).dynamics(dynamics).eulerStep(eulerStep).overRelaxation(overRelaxation).freeSteps(freeSteps).nudgedSteps(nudgedSteps)
                .beta(beta).estimator(algorithm.equals("bptt") || algorithm.equals("rbp") ? algorithm : estimator)
                .holomorphicPoints(holomorphicPoints).temperature(temperature).samples(samples)
                .tolerance(tolerance)
                .nudgingForce(nudgingForce).bpttSteps(bpttSteps >= 0 ? bpttSteps : nudgedSteps)
                .persistentStates(persistentStates).engine(engine).seed(seed).layerUpdaters(updaters)
                .updateOrder(updateOrder).doubledBatch(doubledBatch).spiking(spiking);
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
                .beta(beta).tolerance(tolerance).maxSweeps(maxSweeps).signOnly(signOnly).initScale(initScale)
                .noise(temperature, burnIn, samples).noiseSeed(seed);
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
        return flopsPerIteration(batch, freeSteps, nudgedSteps);
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
        return freeSteps + nudgedPhases() * nudgedSteps;
    }

    /**
     * Nudged phases per iteration: 2 for the symmetric estimator, ⌊N/2⌋ + 1 for holomorphic EqProp with N points
     * (the conjugate points are not relaxed), 1 otherwise.
     */
    int nudgedPhases() {
        return switch (estimator) {
            case "symmetric" -> 2;
            case "holomorphic" -> holomorphicPoints / 2 + 1;
            case "langevin" -> 2;
            default -> 1;
        };
    }
}
