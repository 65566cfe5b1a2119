package org.eqprop.graph;

import java.util.List;
import java.util.Random;

/**
 * Trains a {@link DirectedGraph} by DirEcted Equilibrium Propagation (Farinha et al. 2020): a free phase of M_0 steps,
 * then a nudged phase of M_β steps with the output force −β ∂C/∂s, and the learning rule of eq. 2 accumulated along
 * the nudged trajectory,
 * <pre>
 *   ΔW_ij = η / (β M_β) Σ_{m = M_0+1}^{M_0+M_β} s_i(m) (s_j(m) − s_j(m−1)),   Δb_j = the same with s_i ≡ 1,
 * </pre>
 * or, as the baseline, the one-step asymmetric EqProp rule ΔW_ij = η/β · s_i^0 (s_j^β − s_j^0) (Scellier et al.
 * 2018). Sparsity (eq. 3): an l1 penalty on every update, and at the end of each epoch from {@code pruneFromEpoch} on
 * (weights start small: pruning from the first update would cut the untrained graph) every connection into j with
 * |W_ij| &lt; λ is removed with probability p_ij = exp(−|W_ij|/T) / Σ_k exp(−|W_kj|/T) over the connections into j.
 */
public final class DeepTrainer {

    /** The learning rule. */
    public enum Rule { DEEP, ASYMMETRIC_EP }

    /** Hyperparameters of the relaxation and the rule; {@link Sparsity#NONE} trains the complete graph as it is. */
    public record Settings(double dt, int freeSteps, int nudgedSteps, double beta, double learningRate, Rule rule,
                           Sparsity sparsity) {

        public Settings {
            if (!(dt > 0) || freeSteps < 1 || nudgedSteps < 1 || !(beta > 0) || !(learningRate > 0)
                    || sparsity == null) {
                throw new IllegalArgumentException("invalid DEEP settings: " + this);
            }
        }

        /** The paper's logic-gate settings without sparsity (dt 0.1, M_0 200, M_β 40, β 1, η 0.2). */
        public static Settings logicGates(Rule rule) {
            return new Settings(0.1, 200, 40, 1.0, 0.2, rule, Sparsity.NONE);
        }

        public Settings withSparsity(Sparsity s) {
            return new Settings(dt, freeSteps, nudgedSteps, beta, learningRate, rule, s);
        }

        public Settings withLearningRate(double eta) {
            return new Settings(dt, freeSteps, nudgedSteps, beta, eta, rule, sparsity);
        }
    }

    /**
     * Sparsity (eq. 3 with an l1 penalty), acting in the epochs [fromEpoch, untilEpoch): the graph first learns the
     * task with every connection, is then thinned, then fine-tunes what is left without the penalty (with clipped
     * dynamics a solved gate has no error left to hold its needed weights up against an l1 penalty that never stops).
     * The pruning threshold λ ramps up linearly over the first half of the window. With {@code solvedBelow} &gt; 0 a
     * pruning round follows only epochs that end with the training MSE below it (so the graph recovers from one round
     * before the next), and a drawn removal that would lift the MSE to {@code declineAbove} or more is declined this
     * time (removals are for good, so each is checked first; the connection may be drawn again later).
     */
    public record Sparsity(double l1, double threshold, double temperature, int fromEpoch, int untilEpoch,
                           double solvedBelow, double declineAbove) {

        /** No penalty, no pruning. */
        public static final Sparsity NONE = new Sparsity(0, 0, 1, 0, 0, 0, 0);

        public Sparsity {
            if (!(l1 >= 0) || !(threshold >= 0) || !(temperature > 0) || fromEpoch < 0 || untilEpoch < fromEpoch
                    || !(solvedBelow >= 0) || !(declineAbove >= 0)) {
                throw new IllegalArgumentException("invalid DEEP sparsity settings: " + this);
            }
        }

        boolean thinning(int epoch) {
            return epoch >= fromEpoch && epoch < untilEpoch;
        }

        /** λ at an epoch of the window. */
        double threshold(int epoch) {
            double half = Math.max(1, (untilEpoch - fromEpoch) / 2.0);
            return threshold * Math.min(1, (epoch - fromEpoch + 1) / half);
        }
    }

    /** One training example: clamped inputs and targets of the output neurons. */
    public record Example(double[] x, double[] y) {
    }

    private final DirectedGraph graph;
    private final Settings settings;
    private final Random random;
    private int epochs;

    public DeepTrainer(DirectedGraph graph, Settings settings, long seed) {
        this.graph = graph;
        this.settings = settings;
        this.random = new Random(seed);
    }

    /** The free fixed point (after M_0 steps) for inputs x. */
    public double[] freePhase(double[] x) {
        double[] s = graph.initialState(x);
        for (int m = 0; m < settings.freeSteps(); m++) {
            graph.step(s, settings.dt());
        }
        return s;
    }

    /** Mean over the examples of the free phase's squared error ½‖s_out − y‖² ... averaged per output. */
    public double meanSquaredError(List<Example> data) {
        double sum = 0;
        for (Example e : data) {
            double[] out = graph.output(freePhase(e.x()));
            for (int k = 0; k < out.length; k++) {
                sum += (out[k] - e.y()[k]) * (out[k] - e.y()[k]);
            }
        }
        return sum / (data.size() * graph.outputs);
    }

    /** One epoch: each example once, in order, one update per example; then pruning (if due). */
    public void epoch(List<Example> data) {
        for (Example e : data) {
            train(e);
        }
        Sparsity sp = settings.sparsity();
        if (sp.threshold() > 0 && sp.thinning(epochs)
                && (sp.solvedBelow() == 0 || meanSquaredError(data) < sp.solvedBelow())) {
            prune(data);
        }
        epochs++;
    }

    /** Free phase, nudged phase, weight update (with the l1 penalty). */
    public void train(Example e) {
        Update u = update(graph, settings, freePhase(e.x()), DirectedGraph.squaredError(e.y()));
        int n = graph.neurons;
        double scale = settings.learningRate();
        double shrink = settings.sparsity().thinning(epochs) ? settings.learningRate() * settings.sparsity().l1() : 0;
        for (int j = graph.inputs; j < n; j++) {
            if (graph.biasMask[j]) {
                double v = graph.bias[j] + scale * u.bias()[j];
                graph.bias[j] = v - shrink * Math.signum(v);
            }
            for (int i = 0; i < n; i++) {
                if (graph.mask[i][j]) {
                    double v = graph.w[i][j] + scale * u.weights()[i][j];
                    graph.w[i][j] = v - shrink * Math.signum(v);
                }
            }
        }
    }

    /** The direction of the learning rule for one example: ΔW/η and Δb/η. */
    public record Update(double[][] weights, double[] bias) {
    }

    /**
     * Runs the nudged phase from the free state {@code s} (modified) with the cost gradient and returns the rule's
     * update divided by η: eq. 2 accumulated along the trajectory, or the asymmetric-EP contrast.
     */
    public static Update update(DirectedGraph graph, Settings settings, double[] s, DirectedGraph.OutputGradient cost) {
        int n = graph.neurons;
        double[] free = s.clone();
        double[][] dw = new double[n][n];
        double[] db = new double[n];
        double[] previous = s.clone();
        for (int m = 0; m < settings.nudgedSteps(); m++) {
            graph.step(s, settings.dt(), settings.beta(), cost);
            if (settings.rule() == Rule.DEEP) {
                for (int j = graph.inputs; j < n; j++) {
                    double change = s[j] - previous[j];
                    db[j] += change;
                    for (int i = 0; i < n; i++) {
                        dw[i][j] += s[i] * change;
                    }
                }
            }
            System.arraycopy(s, 0, previous, 0, n);
        }
        double scale = 1.0 / settings.beta();
        if (settings.rule() == Rule.DEEP) {
            scale /= settings.nudgedSteps();
        } else {
            for (int j = graph.inputs; j < n; j++) {
                double change = s[j] - free[j];
                db[j] = change;
                for (int i = 0; i < n; i++) {
                    dw[i][j] = free[i] * change;
                }
            }
        }
        for (int j = 0; j < n; j++) {
            db[j] = graph.biasMask[j] ? db[j] * scale : 0;
            for (int i = 0; i < n; i++) {
                dw[i][j] = graph.mask[i][j] ? dw[i][j] * scale : 0;
            }
        }
        return new Update(dw, db);
    }

    /**
     * Eq. 3: Boltzmann removal of weak connections into each neuron, its bias (a weight from a unit at 1) among them;
     * connections into the inputs too (they carry their senders' out-flow); removals checked as {@link Sparsity}
     * says.
     */
    private void prune(List<Example> data) {
        int n = graph.neurons;
        double t = settings.sparsity().temperature();
        for (int j = 0; j < n; j++) {
            double z = graph.biasMask[j] ? Math.exp(-Math.abs(graph.bias[j]) / t) : 0;
            for (int i = 0; i < n; i++) {
                if (graph.mask[i][j]) {
                    z += Math.exp(-Math.abs(graph.w[i][j]) / t);
                }
            }
            for (int i = 0; i < n; i++) {
                if (graph.mask[i][j] && removable(graph.w[i][j], z)) {
                    double w = graph.w[i][j];
                    graph.removeConnection(i, j);
                    if (breaks(data)) {
                        graph.mask[i][j] = true;
                        graph.w[i][j] = w;
                    }
                }
            }
            if (graph.biasMask[j] && removable(graph.bias[j], z)) {
                double b = graph.bias[j];
                graph.removeBias(j);
                if (breaks(data)) {
                    graph.biasMask[j] = true;
                    graph.bias[j] = b;
                }
            }
        }
    }

    private boolean breaks(List<Example> data) {
        return settings.sparsity().declineAbove() > 0 && meanSquaredError(data) >= settings.sparsity().declineAbove();
    }

    private boolean removable(double weight, double z) {
        double a = Math.abs(weight);
        Sparsity sp = settings.sparsity();
        return a < sp.threshold(epochs) && random.nextDouble() < Math.exp(-a / sp.temperature()) / z;
    }
}
