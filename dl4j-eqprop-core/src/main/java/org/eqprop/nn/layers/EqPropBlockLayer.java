package org.eqprop.nn.layers;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.bptt.BackpropThroughTime;
import org.eqprop.bptt.BpttGradient;
import org.eqprop.bptt.RecurrentBackprop;
import org.eqprop.bptt.Trajectory;
import org.eqprop.costs.DoubledForce;
import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.AcceleratorFailure;
import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.ComplexRelaxation;
import org.eqprop.dynamics.DoubledNudgedPhases;
import org.eqprop.dynamics.MirroredNudgedPhases;
import org.eqprop.dynamics.ResidentIteration;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.PersistentStates;
import org.eqprop.dynamics.Phases;
import org.eqprop.dynamics.PhaseReport;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.dynamics.RelaxationListener;
import org.eqprop.dynamics.RelaxationStats;
import org.eqprop.estimators.Contrast;
import org.eqprop.estimators.ComplexPhase;
import org.eqprop.estimators.ContourAverage;
import org.eqprop.estimators.GradientEstimator;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.interactions.ConvolutionPrecision;
import org.eqprop.interactions.Interaction;
import org.eqprop.interactions.VectorFieldInteraction;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.GradientMethod;
import org.eqprop.nn.conf.ReadoutGradient;
import org.eqprop.nn.params.EqPropBlockParamInitializer;
import org.eqprop.spiking.SpikeCounter;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runtime of an {@link EqPropBlock}. {@code activate} runs the free phase to s^0 = σ(∂Φ/∂s(θ, x, s^0)) and returns
 * s_N^0; {@code backpropGradient(ε)} runs the nudged phase(s) chosen by the gradient estimator and writes the EqProp
 * estimate ∇θL ≈ scale·(∂Φ/∂θ(s^a) − ∂Φ/∂θ(s^b)) (summed over the batch, as DL4J expects) into the gradient views.
 *
 * <p>With {@code estimator("bptt")} the block is trained by backpropagation through the unrolled free phase instead
 * (the trajectory is kept during training and ε drives {@link BackpropThroughTime}).
 *
 * <p>The nudging force is −β ε, with ε = ∂L/∂s_N^0 received from the following DL4J layer (held at the free fixed
 * point, Scellier thesis ch. 2 fn. 1), unless a trainer installed a state-dependent force with
 * {@link #setNudgingForce} ({@link org.eqprop.training.EqPropNetwork} does, for the papers' recomputed force).
 */
public class EqPropBlockLayer extends BaseLayer<EqPropBlock> implements org.eqprop.util.RandomState {

    private static final Logger log = LoggerFactory.getLogger(EqPropBlockLayer.class);

    private transient Equilibrium free;
    private transient INDArray freeInput;
    private transient INDArray freeInputSource;
    private transient INDArray inputDrive;
    private transient NudgingForce installedForce;
    private transient GradientEstimator estimator;
    private transient boolean inputGradientNeeded = true;
    private transient org.eqprop.dynamics.Dynamics dynamics;
    private transient PersistentStates persistent;
    private transient Trajectory trajectory;
    /** The spiking neurons of the current batch (null for a continuous block). */
    private transient org.eqprop.spiking.SpikingEngine spikingEngine;
    private final SpikeCounter spikes = new SpikeCounter();
    private final RelaxationStats stats = new RelaxationStats();
    private final List<RelaxationListener> relaxationListeners = new CopyOnWriteArrayList<>();
    private boolean warnedHeld;
    /** The iteration held on an accelerator (null: the phases run one by one), made for one batch size. */
    private transient ResidentIteration resident;
    private transient ResidentIteration.Traffic closedTraffic = ResidentIteration.Traffic.NONE;
    /** The output states of the last contrast and their signed β (readoutGradient nudged). */
    private transient ReadoutPoints readoutPoints;
    /** True while a trainer that takes the readout's gradient at {@link #readoutPoints()} runs a training step. */
    private transient boolean readoutTrainer;

    /**
     * The block outputs s_N^a, s_N^b of the two equilibria of the last EqProp contrast, with their signed nudges β_a,
     * β_b (0 for the free state): where {@code readoutGradient("nudged")} evaluates the readout's gradient,
     * (β_a ∂L(s^a)/∂θ_r − β_b ∂L(s^b)/∂θ_r)/(β_a − β_b).
     */
    public record ReadoutPoints(INDArray a, double betaA, INDArray b, double betaB) {
    }

    public EqPropBlockLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    // ---- the relaxing system -------------------------------------------------------------------------------

    /** The primitive function's structure over the current parameter views. */
    public EnergyChain chain() {
        EqPropBlock c = layerConf();
        List<Interaction> interactions = new ArrayList<>();
        long[][] shapes = new long[c.depth()][];
        for (int k = 0; k < c.depth(); k++) {
            INDArray w = getParam(EqPropBlockParamInitializer.weightKey(k));
            INDArray b = getParam(EqPropBlockParamInitializer.biasKey(k));
            if (c.isConv(k)) {
                ConvSpec spec = c.convSpec(k);
                interactions.add(new ConvPoolInteraction(w, b, spec.getStride(), spec.getPadding(),
                        spec.poolingKind(), spec.getPool(), spec.algorithmKind(),
                        c.relaxation().convolutionPrecision()));
            } else if (c.hasFeedback(k)) {
                interactions.add(new VectorFieldInteraction(w, b, getParam(EqPropBlockParamInitializer.feedbackKey(k))));
            } else {
                interactions.add(new DenseInteraction(w, b));
            }
            shapes[k] = c.stateShape(k);
        }
        return new EnergyChain(interactions, shapes, c.stateActivation(), dynamicsRule());
    }

    /**
     * Whether {@code backpropGradient} computes ∂L/∂x when the block is layer 0 (default true, as DL4J's layers do:
     * {@code calculateGradients} returns it and an input preprocessor backpropagates it). {@link
     * org.eqprop.training.EqPropNetwork} turns it off while training a network without an input preprocessor, where
     * nobody reads it; a block above layer 0 always computes it.
     */
    public void setInputGradientNeeded(boolean needed) {
        this.inputGradientNeeded = needed;
    }

    private boolean inputGradientWanted() {
        return inputGradientNeeded || getIndex() > 0;
    }

    /** The estimator's streams; none when the block trains by BPTT or RBP (no EqProp estimator). */
    private long[] estimatorState() {
        EqPropBlock c = layerConf();
        return c.estimation().method().backpropagates() ? org.eqprop.util.RandomState.NONE : estimator().randomState();
    }

    /** One instance for the layer's life: a stochastic rule's noise stream runs on across iterations. */
    private org.eqprop.dynamics.Dynamics dynamicsRule() {
        if (dynamics == null) {
            dynamics = layerConf().dynamicsRule();
        }
        return dynamics;
    }

    /** The estimator's stream (a random sign) then the dynamics' (Langevin noise): what a checkpoint records. */
    @Override
    public long[] randomState() {
        long[] a = estimatorState();
        long[] b = dynamicsRule().randomState();
        long[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void restoreRandomState(long[] state) {
        int n = estimatorState().length;
        int m = dynamicsRule().randomState().length;
        org.eqprop.util.RandomState.expectLength(state, n + m, layerId());
        if (n > 0) {
            estimator().restoreRandomState(java.util.Arrays.copyOfRange(state, 0, n));
        }
        dynamicsRule().restoreRandomState(java.util.Arrays.copyOfRange(state, n, n + m));
    }

    /**
     * The engine for a phase with this force ({@link org.eqprop.engines.EngineChoice}): the CUDA engine when chosen
     * or automatic and usable, else the fused CPU kernels when they apply and are allowed, else the reference.
     */
    public RelaxationEngine engineFor(EnergyChain chain, NudgingForce force) {
        if (spikingEngine != null) {
            return spikingEngine;
        }
        return org.eqprop.engines.EngineChoice.select(layerConf().relaxation().engine(), chain, force, dataType);
    }

    /**
     * The block's iteration resident on an accelerator for a batch of this size, or null when the engine choice,
     * the block's settings (BPTT or RBP, spiking neurons, persistent states, a doubled batch, feedback weights) or the
     * engines rule it out. One is kept per block and replaced when the batch size changes.
     */
    private ResidentIteration residentFor(EnergyChain chain, INDArray x) {
        EqPropBlock c = layerConf();
        if (c.estimation().method().backpropagates() || c.spikingSettings() != null
                || c.relaxation().persistentStates() || c.relaxation().doubledBatch() || estimator().averages()
                || c.estimation().readoutGradient() == ReadoutGradient.NUDGED) {
            return null;
        }
        int batch = (int) x.size(0);
        if (resident != null && resident.batch() == batch) {
            return resident;
        }
        closeResident();
        long[] inputShape = java.util.Arrays.copyOfRange(x.shape(), 1, x.rank());
        resident = org.eqprop.engines.EngineChoice.resident(c.relaxation().engine(), chain, inputShape, batch, dataType,
                c.freeControl().alternating());
        return resident;
    }

    /** Releases the resident iteration's device memory (it is also released when the layer is garbage). */
    public void closeResident() {
        if (resident != null) {
            closedTraffic = closedTraffic.plus(resident.traffic());
            resident.close();
            resident = null;
        }
    }

    /** What this block's resident iterations have moved between host and device so far (zero without one). */
    public ResidentIteration.Traffic deviceTraffic() {
        ResidentIteration r = resident;
        return r == null ? closedTraffic : closedTraffic.plus(r.traffic());
    }

    /** The name of the engine holding this block's iterations on a device, or null. */
    public String residentEngine() {
        ResidentIteration r = resident;
        return r == null ? null : r.name();
    }

    /** The resident iteration of this block (null when its phases run one by one on the host's engines). */
    public ResidentIteration residentIteration() {
        return resident;
    }

    /**
     * After an accelerator failed: the engine is taken out of the choice (one warning for the process), its resident
     * iteration closed, and the caller redoes the work on a CPU engine.
     */
    private void abandon(AcceleratorFailure failure) {
        org.eqprop.engines.EngineChoice.disable(failure.engine(), failure.getMessage());
        try {
            closeResident();
        } catch (RuntimeException ignored) {
            resident = null;
        }
    }

    /**
     * Tells the block that its trainer takes the readout's gradient at {@link #readoutPoints()} in this training step
     * ({@link org.eqprop.training.EqPropNetwork} does; without one, {@code readoutGradient("nudged")} is refused).
     */
    public void setReadoutTrainer(boolean present) {
        this.readoutTrainer = present;
    }

    /** The readout's evaluation points of the last EqProp contrast (readoutGradient nudged), or null. */
    public ReadoutPoints readoutPoints() {
        return readoutPoints;
    }

    /** Installs a state-dependent nudging force for the next backward pass (null: use the held force). */
    public void setNudgingForce(NudgingForce force) {
        this.installedForce = force;
    }

    /** The free equilibrium of the last forward pass (null before one; kept after {@link #clear()}). */
    public Equilibrium freeEquilibrium() {
        return free;
    }

    public RelaxationStats relaxationStats() {
        return stats;
    }

    /** The bits sent by a spiking block's neurons in every phase so far (all zero for a continuous block). */
    public SpikeCounter spikeCounter() {
        return spikes;
    }

    public void addRelaxationListener(RelaxationListener l) {
        relaxationListeners.add(l);
    }

    public void removeRelaxationListener(RelaxationListener l) {
        relaxationListeners.remove(l);
    }

    // ---- DL4J forward / backward ----------------------------------------------------------------------------

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        long t0 = System.nanoTime();
        try {
            assertInputSet(false);
            INDArray x = validatedInput();
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                freePhase(x.dup('c'), training && layerConf().estimation().method() == GradientMethod.BPTT, training);
            }
            freeInputSource = input;
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, free.output());
        } finally {
            stats.recordBlockNanos(System.nanoTime() - t0);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        long t0 = System.nanoTime();
        try {
            return backward(epsilon, workspaceMgr);
        } finally {
            stats.recordBlockNanos(System.nanoTime() - t0);
        }
    }

    private Pair<Gradient, INDArray> backward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        EqPropBlock c = layerConf();
        INDArray inputGrad;
        Gradient gradient = new DefaultGradient();
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            boolean bptt = c.estimation().method() == GradientMethod.BPTT;
            if (free == null || freeInput == null || input != freeInputSource || (bptt && trajectory == null)
                    || (c.spikingSettings() != null && (spikingEngine == null || !spikingEngine.hasFreePhase()))) {
                freePhase(validatedInput().dup('c'), bptt, true);
                freeInputSource = input;
            }
            inputGrad = c.estimation().method().backpropagates() ? backpropagate(epsilon, gradient, bptt)
                    : eqPropGradient(epsilon, gradient);
        } finally {
            installedForce = null;
        }
        INDArray eps = inputGrad == null ? null
                : workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGrad.reshape('c', input.shape()));
        return new Pair<>(gradient, eps);
    }

    /**
     * The EqProp estimate: the estimator's nudged phase(s) from the free equilibrium, then
     * scale·(∂Φ/∂θ(plus) − ∂Φ/∂θ(minus)) into the gradient views; returns the estimate of ∂L/∂x (or null).
     */
    private INDArray eqPropGradient(INDArray epsilon, Gradient gradient) {
        EqPropBlock c = layerConf();
        readoutPoints = null;
        if (c.estimation().readoutGradient() == ReadoutGradient.NUDGED && !readoutTrainer) {
            throw new IllegalStateException("EqPropBlock: readoutGradient nudged takes the readout layer's gradient at "
                    + "the nudged states, which org.eqprop.training.EqPropNetwork does; this network cannot (use "
                    + "EqPropNetwork, or readoutGradient free) - " + layerId());
        }
        NudgingForce force = nudgingForce(epsilon);
        EnergyChain chain = chain();
        if (estimator().averages()) {
            try {
                return contourGradient(chain, force, gradient);
            } catch (AcceleratorFailure f) {
                abandon(f);
                freePhase(freeInput, false, true);
                return contourGradient(chain, force, gradient);
            }
        }
        // the device's nudged phases start from its free states: a mirrored start runs them on the host engine
        if (resident != null && free.location() != null && resident.accepts(force)
                && !c.relaxation().mirroredStart()) {
            try {
                return residentGradient(chain, force, gradient);
            } catch (AcceleratorFailure f) {
                abandon(f);
                freePhase(freeInput, false, true);
            }
        }
        try {
            return hostGradient(chain, force, gradient);
        } catch (AcceleratorFailure f) {
            abandon(f);
            freePhase(freeInput, false, true);
            return hostGradient(chain, force, gradient);
        }
    }

    /** The nudged phases and the contrast on the device that holds the free phase. */
    private INDArray residentGradient(EnergyChain chain, NudgingForce force, Gradient gradient) {
        EqPropBlock c = layerConf();
        RelaxationControl control = c.nudgedControl();
        Contrast contrast = estimator().contrast(free, signedBeta -> {
            Equilibrium e = resident.nudged(force, signedBeta, control);
            report(signedBeta > 0 ? "nudged+" : "nudged-", e);
            return e;
        }, c.estimation().beta());
        long stateBytes = 0;
        for (int k = 0; k < chain.depth(); k++) {
            stateBytes += 4L * chain.width(k) * freeInput.size(0);
        }
        stats.recordStateBytes(3 * stateBytes);
        resident.writeContrastGradient(contrast.plus(), contrast.minus(), contrast.scale(), getGradientsViewArray());
        publish(gradient);
        return inputGradientWanted() ? chain.inputContrast(freeInput, contrast.plus().states(),
                contrast.minus().states(), contrast.scale()) : null;
    }

    /**
     * An estimator that averages (holomorphic EqProp, the oscillating nudge, Langevin EqProp): its phases (the real
     * ones on the engine chosen for them, the complex ones on {@link ComplexRelaxation}), then
     * Re Σ_j w_j ∂Φ/∂θ(s_j) into the gradient views.
     */
    private INDArray contourGradient(EnergyChain chain, NudgingForce force, Gradient gradient) {
        EqPropBlock c = layerConf();
        String why = estimator().complexPhases() ? ComplexRelaxation.INSTANCE.unsupported(chain, force) : null;
        if (why != null) {
            throw new IllegalStateException("EqPropBlock: estimator " + c.estimation().estimator().cliName() + ": " + why + " - "
                    + layerId());
        }
        INDArray inputDrive = inputDrive(chain, freeInput);
        RelaxationEngine engine = engineFor(chain, force);
        RelaxationControl control = c.nudgedControl();
        long[] bytes = {bytes(inputDrive) + bytes(free.states())};
        ContourAverage contour = estimator().contour(free, new ComplexPhase() {
            @Override
            public ComplexEquilibrium relax(double betaRe, double betaIm) {
                ComplexEquilibrium e = betaIm == 0
                        ? ComplexEquilibrium.real(engine.relax(chain, inputDrive, free.states(), force, betaRe, control))
                        : ComplexRelaxation.INSTANCE.relax(chain, inputDrive, free.states(), force, betaRe, betaIm,
                        control);
                report(betaIm != 0 ? "nudged-complex" : betaRe > 0 ? "nudged+" : "nudged-", e.realPart());
                bytes[0] += bytes(e.re()) + (e.isReal() ? 0 : bytes(e.im()));
                return e;
            }

            @Override
            public ComplexEquilibrium advance(ComplexEquilibrium from, double betaRe, double betaIm, int steps) {
                RelaxationControl more = new RelaxationControl(steps, 0, control.alternating());
                if (betaIm == 0 && from.isReal()) {
                    return ComplexEquilibrium.real(engine.relax(chain, inputDrive, from.re(), force, betaRe, more));
                }
                ComplexEquilibrium e = ComplexRelaxation.INSTANCE.relax(chain, inputDrive, from.re(), from.im(), force,
                        betaRe, betaIm, more);
                bytes[0] += bytes(e.re()) + bytes(e.im());
                return e;
            }
        }, c.estimation().beta());
        stats.recordStateBytes(bytes[0]);
        contour.writeGradient(chain, freeInput, interactionGradientViews());
        publish(gradient);
        return inputGradientWanted() ? contour.inputGradient(chain, freeInput) : null;
    }

    /** The nudged phases one by one on the engine chosen for them, from the free states on the host. */
    private INDArray hostGradient(EnergyChain chain, NudgingForce force, Gradient gradient) {
        EqPropBlock c = layerConf();
        RelaxationEngine engine = engineFor(chain, force);
        RelaxationControl control = c.nudgedControl();
        java.util.function.DoubleFunction<Equilibrium> relax = c.relaxation().doubledBatch()
                ? new DoubledNudgedPhases(chain, engineFor(chain, new DoubledForce(force, freeInput.size(0))),
                inputDrive(chain, freeInput), free, force, control)
                : c.relaxation().mirroredStart() ? new MirroredNudgedPhases(chain, engine,
                inputDrive(chain, freeInput), free, force, control)
                : signedBeta -> engine.relaxSameInput(chain, () -> inputDrive(chain, freeInput), free, force,
                signedBeta, control);
        java.util.Map<Equilibrium, Double> betas = new java.util.IdentityHashMap<>();
        Contrast contrast = estimator().contrast(free, signedBeta -> {
            Equilibrium e = relax.apply(signedBeta);
            report(signedBeta > 0 ? "nudged+" : "nudged-", e);
            betas.put(e, signedBeta);
            return e;
        }, c.estimation().beta());
        if (c.estimation().readoutGradient() == ReadoutGradient.NUDGED) {
            readoutPoints = new ReadoutPoints(contrast.plus().output().dup(), betas.getOrDefault(contrast.plus(), 0.0),
                    contrast.minus().output().dup(), betas.getOrDefault(contrast.minus(), 0.0));
        }
        long stateBytes = 0;
        for (int k = 0; k < chain.depth(); k++) {
            stateBytes += (long) dataType.width() * chain.width(k) * freeInput.size(0);
        }
        // the input drive, whether the engine holds it or the host: one state of the first layer
        stats.recordStateBytes((long) dataType.width() * chain.width(0) * freeInput.size(0) + 3 * stateBytes);
        INDArray[][] views = interactionGradientViews();
        if (!engine.writeContrastGradient(chain, freeInput, contrast.plus(), contrast.minus(), contrast.scale(),
                views)) {
            chain.writeContrastGradient(freeInput, contrast.plus().states(), contrast.minus().states(),
                    contrast.scale(), views);
        }
        publish(gradient);
        // ∂L/∂x, also as layer 0: DL4J hands it to the input preprocessor and returns it from calculateGradients
        return inputGradientWanted() ? chain.inputContrast(freeInput, contrast.plus().states(),
                contrast.minus().states(), contrast.scale()) : null;
    }

    /**
     * The backpropagation baselines: BPTT through the stored free trajectory, or recurrent backprop at the free fixed
     * point (K = nudgedSteps iterations), both from ε = ∂L/∂s_N at the final state.
     */
    private INDArray backpropagate(INDArray epsilon, Gradient gradient, boolean bptt) {
        if (epsilon == null) {
            throw new IllegalStateException("method " + layerConf().estimation().method().cliName()
                    + " needs a following output "
                    + "layer (its ε = ∂L/∂s_N) - " + layerId());
        }
        EnergyChain chain = chain();
        INDArray eps = epsilon.castTo(dataType).dup('c');
        INDArray[][] views = interactionGradientViews();
        BpttGradient g;
        if (bptt) {
            g = BackpropThroughTime.backwardInto(chain, freeInput, trajectory, eps, layerConf().bpttTruncation(),
                    false, views, inputGradientWanted());
        } else {
            g = RecurrentBackprop.run(chain, freeInput, free.states(), eps, layerConf().relaxation().nudgedSteps()).gradient();
            for (int k = 0; k < views.length; k++) {
                for (int i = 0; i < views[k].length; i++) {
                    views[k][i].assign(g.parameterGradients()[k][i]);
                }
            }
        }
        publish(gradient);
        if (trajectory != null) {
            trajectory.release();
            trajectory = null;
        }
        return inputGradientWanted() ? g.inputGradient() : null;
    }

    /** The gradient views of each interaction, in the order of its parameters (W, b and, with feedback, B). */
    public INDArray[][] interactionGradientViews() {
        EqPropBlock c = layerConf();
        INDArray[][] views = new INDArray[c.depth()][];
        for (int k = 0; k < views.length; k++) {
            views[k] = EqPropBlockParamInitializer.interactionKeys(c, k).stream().map(gradientViews::get)
                    .toArray(INDArray[]::new);
        }
        return views;
    }

    /** Hands the gradient views to DL4J, in parameter order W1, b1, W2, b2, ... */
    private void publish(Gradient gradient) {
        for (String key : conf().variables()) {
            gradient.gradientForVariable().put(key, gradientViews.get(key));
        }
    }

    private NudgingForce nudgingForce(INDArray epsilon) {
        if (installedForce != null) {
            return installedForce;
        }
        if (epsilon == null) {
            throw new IllegalStateException("EqPropBlock needs a following output layer (its ε = ∂L/∂s_N defines the "
                    + "nudging force) or a force installed with setNudgingForce - " + layerId());
        }
        if (layerConf().estimation().nudgingForce() == NudgingForce.Mode.RECOMPUTED && !warnedHeld) {
            warnedHeld = true;
            log.info("{}: nudgingForce=recomputed needs org.eqprop.training.EqPropNetwork (or EqPropComputationGraph); this network holds the "
                    + "force at the free fixed point (thesis ch. 2 fn. 1)", layerId());
        }
        INDArray eps = epsilon.castTo(dataType).dup('c');
        if (eps.rank() != 2 || eps.size(0) != freeInput.size(0) || eps.size(1) != layerConf().getNOut()) {
            throw new DL4JInvalidInputException("epsilon of shape " + Arrays.toString(eps.shape())
                    + " does not match the block output [" + freeInput.size(0) + ", " + layerConf().getNOut() + "] - "
                    + layerId());
        }
        return new HeldForce(eps);
    }

    /**
     * Runs the free phase; {@code keepTrajectory} stores the last steps BPTT backpropagates through (fixed T steps, no
     * tolerance); {@code training} lets persistent states warm-start it (inference always starts from zero).
     */
    private void freePhase(INDArray x, boolean keepTrajectory, boolean training) {
        EqPropBlock c = layerConf();
        EnergyChain chain = chain();
        ResidentIteration r = keepTrajectory ? null : residentFor(chain, x);
        if (r != null) {
            try {
                trajectory = null;
                inputDrive = null;
                free = r.free(x, params(), c.freeControl());
                freeInput = x;
                report("free", free);
                return;
            } catch (AcceleratorFailure f) {
                abandon(f);
            }
        }
        inputDrive = null;
        if (c.relaxation().persistentStates() && persistent == null) {
            persistent = new PersistentStates();
        }
        // the warm start serves training only: inference starts from zero, so the same input gives the same output
        boolean warm = persistent != null && training;
        if (!warm && c.spikingSettings() == null && !keepTrajectory && nudgedFromSameInput()) {
            // the engine may form the drive W_1 x + b_1 itself and keep it for the nudged phases (relaxSameInput)
            trajectory = null;
            try {
                free = engineFor(chain, null).relaxFree(chain, x, () -> inputDrive(chain, x), c.freeControl());
            } catch (AcceleratorFailure f) {
                abandon(f);
                free = engineFor(chain, null).relaxFree(chain, x, () -> inputDrive(chain, x), c.freeControl());
            }
            freeInput = x;
            report("free", free);
            return;
        }
        INDArray inputDrive = inputDrive(chain, x);
        INDArray[] start = warm ? persistent.startFor(x, chain, dataType) : chain.zeroStates(x.size(0), dataType);
        if (c.spikingSettings() != null) {
            // the spiking neurons' phase; its neuron states (encoders, decoders, annealers) carry into the nudged ones
            trajectory = null;
            spikingEngine = new org.eqprop.spiking.SpikingEngine(c.spikingSettings(), chain, x, spikes, dataType);
            free = spikingEngine.relax(chain, inputDrive, start, null, 0, c.freeControl());
        } else if (keepTrajectory) {
            long perExample = 0;
            for (int k = 0; k < chain.depth(); k++) {
                perExample += chain.width(k);
            }
            int kept = c.bpttTruncation();
            org.eqprop.bptt.Trajectory.requireFits(kept, x.size(0), perExample, dataType.width(), layerId());
            trajectory = BackpropThroughTime.forward(chain, engineFor(chain, null), inputDrive, start, c.relaxation().freeSteps(),
                    c.bpttTruncation());
            free = new Equilibrium(trajectory.last(), c.relaxation().freeSteps(), Double.NaN, true);
            stats.recordStateBytes(bytes(inputDrive) + trajectory.bytes());
        } else {
            trajectory = null;
            try {
                free = engineFor(chain, null).relax(chain, inputDrive, start, null, 0, c.freeControl());
            } catch (AcceleratorFailure f) {
                abandon(f);
                free = engineFor(chain, null).relax(chain, inputDrive, start, null, 0, c.freeControl());
            }
        }
        freeInput = x;
        if (warm) {
            persistent.store(x, free);
        }
        report("free", free);
    }

    /** The input drive ∂Φ_1/∂s_1 at x ({@link EnergyChain#inputDrive}), made on first use for this input. */
    private INDArray inputDrive(EnergyChain chain, INDArray x) {
        if (inputDrive == null) {
            inputDrive = chain.inputDrive(x);
        }
        return inputDrive;
    }

    /**
     * True when the nudged phases start from the free equilibrium with the free phase's input drive
     * ({@link RelaxationEngine#relaxSameInput}): not with a doubled batch, a mirrored start or an averaging estimator,
     * which take the host's drive array (the free phase then uses it too, so that every phase has the same drive).
     */
    private boolean nudgedFromSameInput() {
        EqPropBlock c = layerConf();
        return !c.relaxation().doubledBatch() && !c.relaxation().mirroredStart() && !estimator().averages()
                && !c.estimation().method().backpropagates();
    }

    private static long bytes(INDArray... arrays) {
        long b = 0;
        for (INDArray a : arrays) {
            b += a.length() * a.dataType().width();
        }
        return b;
    }

    private void report(String phase, Equilibrium e) {
        PhaseReport r = new PhaseReport(getIndex(), phase, e.steps(), e.residual(), e.converged(), getIterationCount());
        stats.record(r);
        for (RelaxationListener l : relaxationListeners) {
            l.onPhase(r);
        }
        if (!e.converged()) {
            if (RelaxationStats.logsAt(stats.nonConverged())) {
                boolean bf16 = layerConf().relaxation().convolutionPrecision() == ConvolutionPrecision.BF16;
                log.warn("{}: {} phase did not reach tolerance {} within {} steps (residual {}); {} such phases so "
                                + "far{}", layerId(), phase, layerConf().relaxation().tolerance(), e.steps(), e.residual(),
                        stats.nonConverged(), bf16 ? " (bf16 convolution operands carry a relative error of about "
                                + "2e-3 per product, and the residual settles near it: use fp32 operands with a "
                                + "tolerance, bf16 with fixed step budgets)" : "");
            }
            for (RelaxationListener l : relaxationListeners) {
                l.onNonConvergence(r);
            }
        }
    }

    private GradientEstimator estimator() {
        if (estimator == null) {
            estimator = layerConf().createEstimator();
        }
        return estimator;
    }

    /**
     * The input as the first layer sees it: [batch, nIn], or for a convolutional block [batch, C, H, W] (a flattened
     * NCHW row, as DL4J's preprocessors make, is folded back).
     */
    private INDArray validatedInput() {
        EqPropBlock c = layerConf();
        INDArray x = input.castTo(dataType);
        boolean map = c.numConvLayers() > 0;
        if (map && x.rank() == 4) {
            x = x.reshape('c', x.size(0), x.length() / x.size(0));
        }
        if (x.rank() != 2) {
            throw new DL4JInvalidInputException("EqPropBlock expects a [batch, " + c.getNIn()
                    + "] matrix" + (map ? " or a [batch, " + Arrays.toString(c.lowerShape(0)) + "] feature map" : "")
                    + ", got rank " + x.rank() + " shape " + Arrays.toString(x.shape())
                    + " (missing preprocessor or wrong InputType?) - " + layerId());
        }
        if (x.size(1) != c.getNIn()) {
            throw new DL4JInvalidInputException("EqPropBlock input has " + x.size(1) + " columns but nIn = "
                    + c.getNIn() + " - " + layerId());
        }
        if (!Phases.allFinite(x)) {
            throw new DL4JInvalidInputException("EqPropBlock input contains NaN or infinite values - " + layerId());
        }
        if (map) {
            long[] shape = c.lowerShape(0);
            x = x.dup('c').reshape('c', x.size(0), shape[0], shape[1], shape[2]);
        }
        return x;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no weight noise
    }

    /** Releases the batch's working arrays; the last free equilibrium stays readable for diagnostics. */
    @Override
    public void clear() {
        super.clear();
        freeInput = null;
        freeInputSource = null;
        inputDrive = null;
        trajectory = null;
        spikingEngine = null;
    }
}
