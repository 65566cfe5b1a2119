package org.eqprop.nn.conf;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import org.eqprop.nn.params.ResistiveParamInitializer;
import org.eqprop.resistive.CircuitTopology;
import org.eqprop.resistive.Diode;
import org.eqprop.resistive.SteadyStateSolver;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;

/**
 * Configuration of a nonlinear resistive network trained by EqProp (Kendall et al. 2020; Scellier thesis ch. 4) as a
 * DL4J <em>output</em> layer: the circuit of {@link CircuitTopology} (nIn input sources, {@code hidden} diode layers,
 * nOut output pairs), whose output is Ŷ⁺ − Ŷ⁻ (eq. 4.14) and whose cost is eq. 4.15 against the labels. Training:
 * steady states at ±β with the nudging currents of eq. 4.16, the conductance gradient of Theorem 4.2 handed to the
 * DL4J updater (optionally only its sign, §4.3.3, scaled by the batch size), then the {@link ConductanceConstraint}
 * (g ≥ 0, optional bounds and quantisation). Parameters: one crossbar G_m [2 n_m + 2, n_{m+1}] per layer pair.
 */
public class ResistiveBlock extends FeedForwardLayer {

    private int[] hidden = {100};
    private double inputGain = 1;
    private double amplifierGain = 1;
    private double biasVoltage = 1;
    private double diodeLow = -1;
    private double diodeHigh = 1;
    private double diodeConductance;
    private double beta = 1;
    private double tolerance = 1e-6;
    private int maxSweeps = 1000;
    private double temperature = 0;
    private int burnIn = 20;
    private int samples = 1;
    private long noiseSeed = 7;
    private boolean signOnly;
    private double initScale = 1;
    private List<IUpdater> crossbarUpdaters;

    /** For JSON. */
    public ResistiveBlock() {
    }

    private ResistiveBlock(Builder b) {
        super(b);
        this.hidden = b.hidden.clone();
        this.inputGain = b.inputGain;
        this.amplifierGain = b.amplifierGain;
        this.biasVoltage = b.biasVoltage;
        this.diodeLow = b.diodeLow;
        this.diodeHigh = b.diodeHigh;
        this.diodeConductance = b.diodeConductance;
        this.beta = b.beta;
        this.tolerance = b.tolerance;
        this.maxSweeps = b.maxSweeps;
        this.temperature = b.temperature;
        this.burnIn = b.burnIn;
        this.samples = b.samples;
        this.noiseSeed = b.noiseSeed;
        this.signOnly = b.signOnly;
        this.initScale = b.initScale;
        this.crossbarUpdaters = b.crossbarUpdaters == null ? null : new ArrayList<>(b.crossbarUpdaters);
        if (crossbarUpdaters != null && crossbarUpdaters.size() != hidden.length + 1) {
            throw new IllegalArgumentException("ResistiveBlock: need one updater per crossbar (" + (hidden.length + 1)
                    + "), got " + crossbarUpdaters.size());
        }
        if (getNOut() < 1 || getNIn() < 0) {
            throw new IllegalArgumentException("ResistiveBlock: nOut (classes) must be >= 1 and nIn >= 0 (0: from the "
                    + "input type), got nIn=" + getNIn() + ", nOut=" + getNOut());
        }
        topology(Math.max(1, (int) getNIn()));
        solver();
        if (samples < 1) {
            throw new IllegalArgumentException("ResistiveBlock: samples must be >= 1, got " + samples);
        }
        if (samples > 1 && temperature == 0) {
            throw new IllegalArgumentException("ResistiveBlock: averaging " + samples + " samples needs node noise "
                    + "(temperature > 0); a noise-free circuit has one steady state");
        }
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("ResistiveBlock: beta must be finite and > 0 (the phases use +beta and "
                    + "-beta), got " + beta);
        }
        if (!(initScale > 0) || Double.isInfinite(initScale)) {
            throw new IllegalArgumentException("ResistiveBlock: initScale must be finite and > 0, got " + initScale);
        }
        this.constraints = List.of(new ConductanceConstraint(b.conductanceMin, b.conductanceMax, b.quantum,
                new HashSet<>(ResistiveParamInitializer.getInstance().paramKeys(this))));
    }

    /** The circuit: nIn sources, the hidden diode layers, nOut output pairs. */
    public CircuitTopology topology() {
        return topology((int) getNIn());
    }

    private CircuitTopology topology(int inputs) {
        Diode diode = diodeConductance == 0 ? Diode.ideal(diodeLow, diodeHigh)
                : new Diode(diodeLow, diodeHigh, diodeConductance);
        return new CircuitTopology(inputs, hidden, (int) getNOut(), inputGain, amplifierGain, biasVoltage,
                diode);
    }

    /**
     * Block coordinate descent to {@code tolerance} volts, at most {@code maxSweeps} sweeps; with a temperature,
     * {@code burnIn} noisy sweeps per phase (a new noise stream from {@code noiseSeed}: keep one solver per layer).
     */
    public SteadyStateSolver solver() {
        return new SteadyStateSolver(tolerance, maxSweeps, temperature, burnIn, noiseSeed);
    }

    /** The device constraint applied after each update. */
    public ConductanceConstraint conductanceConstraint() {
        return (ConductanceConstraint) constraints.get(0);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType networkDataType) {
        return LayerWiring.wire(new ResistiveBlockLayer(conf, networkDataType), conf, initializer(), listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (crossbarUpdaters != null) {
            return crossbarUpdaters.get(Integer.parseInt(paramName.substring(1)));
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public ResistiveBlock clone() {
        ResistiveBlock c = (ResistiveBlock) super.clone();
        c.hidden = hidden.clone();
        if (crossbarUpdaters != null) {
            c.crossbarUpdaters = new ArrayList<>();
            for (IUpdater u : crossbarUpdaters) {
                c.crossbarUpdaters.add(u.clone());
            }
        }
        return c;
    }

    @Override
    public ParamInitializer initializer() {
        return ResistiveParamInitializer.getInstance();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = initializer().numParams(this);
        long nodes = Arrays.stream(hidden).sum() + 2 * getNOut();
        return new LayerMemoryReport.Builder(getLayerName(), ResistiveBlock.class, inputType,
                getOutputType(-1, inputType)).standardMemory(params, params).workingMemory(0, 3 * nodes, 0, 3 * nodes)
                .cacheMemory(0, 0).build();
    }

    public int[] getHidden() {
        return hidden.clone();
    }

    public void setHidden(int[] hidden) {
        this.hidden = hidden.clone();
    }

    public double getInputGain() {
        return inputGain;
    }

    public void setInputGain(double inputGain) {
        this.inputGain = inputGain;
    }

    public double getAmplifierGain() {
        return amplifierGain;
    }

    public void setAmplifierGain(double amplifierGain) {
        this.amplifierGain = amplifierGain;
    }

    public double getBiasVoltage() {
        return biasVoltage;
    }

    public void setBiasVoltage(double biasVoltage) {
        this.biasVoltage = biasVoltage;
    }

    public double getDiodeLow() {
        return diodeLow;
    }

    public void setDiodeLow(double diodeLow) {
        this.diodeLow = diodeLow;
    }

    public double getDiodeHigh() {
        return diodeHigh;
    }

    public void setDiodeHigh(double diodeHigh) {
        this.diodeHigh = diodeHigh;
    }

    public double getDiodeConductance() {
        return diodeConductance;
    }

    public void setDiodeConductance(double diodeConductance) {
        this.diodeConductance = diodeConductance;
    }

    public double getBeta() {
        return beta;
    }

    public void setBeta(double beta) {
        this.beta = beta;
    }

    public double getTolerance() {
        return tolerance;
    }

    public void setTolerance(double tolerance) {
        this.tolerance = tolerance;
    }

    /** Node (device) noise temperature T: each node voltage gets a N(0, T / A_j) kick after its update. */
    public double getTemperature() {
        return temperature;
    }

    public void setTemperature(double temperature) {
        this.temperature = temperature;
    }

    /** With noise: sweeps of each phase before its state is used. */
    public int getBurnIn() {
        return burnIn;
    }

    public void setBurnIn(int burnIn) {
        this.burnIn = burnIn;
    }

    /** With noise: samples (one sweep apart) of each nudged phase averaged in the update. */
    public int getSamples() {
        return samples;
    }

    public void setSamples(int samples) {
        this.samples = samples;
    }

    public long getNoiseSeed() {
        return noiseSeed;
    }

    public void setNoiseSeed(long noiseSeed) {
        this.noiseSeed = noiseSeed;
    }

    public int getMaxSweeps() {
        return maxSweeps;
    }

    public void setMaxSweeps(int maxSweeps) {
        this.maxSweeps = maxSweeps;
    }

    public boolean isSignOnly() {
        return signOnly;
    }

    public void setSignOnly(boolean signOnly) {
        this.signOnly = signOnly;
    }

    public List<IUpdater> getCrossbarUpdaters() {
        return crossbarUpdaters;
    }

    public void setCrossbarUpdaters(List<IUpdater> crossbarUpdaters) {
        this.crossbarUpdaters = crossbarUpdaters;
    }

    public double getInitScale() {
        return initScale;
    }

    public void setInitScale(double initScale) {
        this.initScale = initScale;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResistiveBlock b && super.equals(o) && Arrays.equals(hidden, b.hidden)
                && inputGain == b.inputGain && amplifierGain == b.amplifierGain && biasVoltage == b.biasVoltage
                && diodeLow == b.diodeLow && diodeHigh == b.diodeHigh && diodeConductance == b.diodeConductance
                && beta == b.beta && tolerance == b.tolerance && maxSweeps == b.maxSweeps && signOnly == b.signOnly
                && temperature == b.temperature && burnIn == b.burnIn && samples == b.samples
                && noiseSeed == b.noiseSeed
                && initScale == b.initScale && java.util.Objects.equals(crossbarUpdaters, b.crossbarUpdaters);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Arrays.hashCode(hidden);
    }

    /** Builder in DL4J style: nIn input sources, nOut classes (output pairs). */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int[] hidden = {100};
        private double inputGain = 1;
        private double amplifierGain = 1;
        private double biasVoltage = 1;
        private double diodeLow = -1;
        private double diodeHigh = 1;
        private double diodeConductance;
        private double beta = 1;
        private double tolerance = 1e-6;
        private int maxSweeps = 1000;
        private double temperature = 0;
        private int burnIn = 20;
        private int samples = 1;
        private long noiseSeed = 7;
        private boolean signOnly;
        private double initScale = 1;
        private double conductanceMin;
        private double conductanceMax = Double.MAX_VALUE;
        private double quantum;
        private List<IUpdater> crossbarUpdaters;

        /** One updater per crossbar G0, G1, ... (per-crossbar learning rates; default: the layer's updater). */
        public Builder crossbarUpdaters(IUpdater... updaters) {
            this.crossbarUpdaters = List.of(updaters);
            return this;
        }

        /** Hidden layer sizes (default one layer of 100, as Kendall et al. 2020). */
        public Builder hidden(int... sizes) {
            this.hidden = sizes.clone();
            return this;
        }

        /** c_0: the input sources are ±c_0 x (default 1). */
        public Builder inputGain(double gain) {
            this.inputGain = gain;
            return this;
        }

        /** c_m: the voltage (forward) and current (backward) gain of the bidirectional amplifiers (default 1). */
        public Builder amplifierGain(double gain) {
            this.amplifierGain = gain;
            return this;
        }

        /** V_b of the bias source pair ±V_b feeding every crossbar (default 1). */
        public Builder biasVoltage(double v) {
            this.biasVoltage = v;
            return this;
        }

        /** The diode bias sources: hidden voltages are clamped to [low, high] (default [−1, 1]). */
        public Builder diode(double low, double high) {
            this.diodeLow = low;
            this.diodeHigh = high;
            return this;
        }

        /** The diodes' on-conductance; 0 (default) for ideal diodes. */
        public Builder diodeConductance(double g) {
            this.diodeConductance = g;
            return this;
        }

        /** β of the symmetric nudging ±β (default 1). */
        public Builder beta(double beta) {
            this.beta = beta;
            return this;
        }

        /** Steady-state tolerance in volts: the largest voltage change of the last sweep (default 1e-6). */
        public Builder tolerance(double volts) {
            this.tolerance = volts;
            return this;
        }

        /**
         * Device noise (Langevin EqProp on the circuit): node voltages get a N(0, T / A_j) kick after each update, A_j
         * the node's total conductance; each phase runs {@code burnIn} sweeps and the update averages {@code samples}
         * states of each nudged phase, one sweep apart.
         */
        public Builder noise(double temperature, int burnIn, int samples) {
            this.temperature = temperature;
            this.burnIn = burnIn;
            this.samples = samples;
            return this;
        }

        /** The node noise's seed (default 7). */
        public Builder noiseSeed(long seed) {
            this.noiseSeed = seed;
            return this;
        }

        /** Cap on block coordinate descent sweeps per example and phase (default 1000). */
        public Builder maxSweeps(int sweeps) {
            this.maxSweeps = sweeps;
            return this;
        }

        /** Use only the sign of each conductance's update (§4.3.3). */
        public Builder signOnly(boolean signOnly) {
            this.signOnly = signOnly;
            return this;
        }

        /** Initial conductances uniform in [0, initScale/√rows) (default 1). */
        public Builder initScale(double scale) {
            this.initScale = scale;
            return this;
        }

        /** Device conductance range [min, max] (default [0, unbounded)). */
        public Builder conductanceBounds(double min, double max) {
            this.conductanceMin = min;
            this.conductanceMax = max;
            return this;
        }

        /** Device update quantisation: conductances rounded to min + k·quantum after each update (0: off). */
        public Builder quantum(double quantum) {
            this.quantum = quantum;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ResistiveBlock build() {
            return new ResistiveBlock(this);
        }
    }
}
