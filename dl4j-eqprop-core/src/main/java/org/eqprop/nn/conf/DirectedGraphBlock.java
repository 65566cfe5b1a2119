package org.eqprop.nn.conf;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqprop.graph.DeepTrainer;
import org.eqprop.nn.layers.DirectedGraphLayer;
import org.eqprop.nn.params.DirectedGraphParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Locale;

/**
 * Configuration of a DirEcted Equilibrium Propagation layer (Farinha et al. 2020): a complete directed graph of
 * N = nIn + hidden + nOut neurons (inputs clamped to the layer's input, the last nOut neurons its output) with
 * asymmetric weights, relaxed by the dynamics of {@link org.eqprop.graph.DirectedGraph} and trained by the rule of
 * {@link DeepTrainer} (eq. 2, or the asymmetric-EP baseline) with the nudging force −β ε held at the free state,
 * ε = ∂L/∂output from the following DL4J output layer. Parameters: W [N, N] (W_ij from i to j, zero diagonal) and
 * b [1, N] (zero on the inputs). The layer must come first (it has no input gradient).
 */
public class DirectedGraphBlock extends FeedForwardLayer {

    private int hidden = 5;
    private double dt = 0.1;
    private int freeSteps = 200;
    private int nudgedSteps = 40;
    private double beta = 1.0;
    private String rule = "deep";
    private double initScale = 0.3;

    /** For JSON. */
    public DirectedGraphBlock() {
    }

    private DirectedGraphBlock(Builder b) {
        super(b);
        this.hidden = b.hidden;
        this.dt = b.dt;
        this.freeSteps = b.freeSteps;
        this.nudgedSteps = b.nudgedSteps;
        this.beta = b.beta;
        this.rule = b.rule;
        this.initScale = b.initScale;
        settings();
        if (hidden < 0 || !(initScale >= 0)) {
            throw new IllegalArgumentException("DirectedGraphBlock: hidden >= 0 and initScale >= 0 required");
        }
    }

    /** The relaxation and learning-rule settings (the learning rate is the DL4J updater's). */
    public DeepTrainer.Settings settings() {
        DeepTrainer.Rule r = switch (rule) {
            case "deep" -> DeepTrainer.Rule.DEEP;
            case "asymmetric-ep" -> DeepTrainer.Rule.ASYMMETRIC_EP;
            default -> throw new IllegalArgumentException("DirectedGraphBlock: rule must be deep or asymmetric-ep, "
                    + "got " + rule);
        };
        return new DeepTrainer.Settings(dt, freeSteps, nudgedSteps, beta, 1.0, r, DeepTrainer.Sparsity.NONE);
    }

    /** N = inputs + hidden + outputs. */
    public int neurons() {
        return (int) (getNIn() + hidden + getNOut());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType networkDataType) {
        return LayerWiring.wire(new DirectedGraphLayer(conf, networkDataType), conf, initializer(), listeners,
                layerIndex, paramsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return DirectedGraphParamInitializer.getInstance();
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        long params = initializer().numParams(this);
        return new LayerMemoryReport.Builder(getLayerName(), DirectedGraphBlock.class, inputType,
                getOutputType(-1, inputType)).standardMemory(params, 0).workingMemory(0, neurons(), 0, 3L * neurons())
                .cacheMemory(0, 0).build();
    }

    public int getHidden() {
        return hidden;
    }

    public void setHidden(int hidden) {
        this.hidden = hidden;
    }

    public double getDt() {
        return dt;
    }

    public void setDt(double dt) {
        this.dt = dt;
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

    public double getBeta() {
        return beta;
    }

    public void setBeta(double beta) {
        this.beta = beta;
    }

    public String getRule() {
        return rule;
    }

    public void setRule(String rule) {
        this.rule = rule;
    }

    public double getInitScale() {
        return initScale;
    }

    public void setInitScale(double initScale) {
        this.initScale = initScale;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DirectedGraphBlock b && super.equals(o) && hidden == b.hidden && dt == b.dt
                && freeSteps == b.freeSteps && nudgedSteps == b.nudgedSteps && beta == b.beta && rule.equals(b.rule)
                && initScale == b.initScale;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + hidden;
    }

    /** Builder in DL4J style: nIn inputs, nOut outputs, {@link #hidden} hidden neurons. */
    public static class Builder extends FeedForwardLayer.Builder<Builder> {
        private int hidden = 5;
        private double dt = 0.1;
        private int freeSteps = 200;
        private int nudgedSteps = 40;
        private double beta = 1.0;
        private String rule = "deep";
        private double initScale = 0.3;

        public Builder hidden(int n) {
            this.hidden = n;
            return this;
        }

        /** Integration step of eq. 1 (default 0.1). */
        public Builder dt(double dt) {
            this.dt = dt;
            return this;
        }

        /** M_0 (default 200). */
        public Builder freeSteps(int steps) {
            this.freeSteps = steps;
            return this;
        }

        /** M_β (default 40). */
        public Builder nudgedSteps(int steps) {
            this.nudgedSteps = steps;
            return this;
        }

        public Builder beta(double beta) {
            this.beta = beta;
            return this;
        }

        /** deep (eq. 2, default) or asymmetric-ep (the one-step baseline). */
        public Builder rule(String rule) {
            this.rule = rule.toLowerCase(Locale.ROOT);
            return this;
        }

        /** Initial weights uniform in [−initScale, initScale) (default 0.3). */
        public Builder initScale(double scale) {
            this.initScale = scale;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DirectedGraphBlock build() {
            return new DirectedGraphBlock(this);
        }
    }
}
