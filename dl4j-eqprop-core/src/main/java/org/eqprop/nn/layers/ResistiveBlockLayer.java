package org.eqprop.nn.layers;

import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.nn.params.ResistiveParamInitializer;
import org.eqprop.resistive.CircuitTopology;
import org.eqprop.resistive.ConductanceGradient;
import org.eqprop.resistive.PairedSquaredError;
import org.eqprop.resistive.ResistiveNetwork;
import org.eqprop.resistive.SolverStats;
import org.eqprop.resistive.SteadyState;
import org.eqprop.resistive.SteadyStateSolver;
import org.nd4j.common.primitives.Pair;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runtime of a {@link ResistiveBlock}, a DL4J output layer. {@code activate}: the free steady state of each example
 * (block coordinate descent, in double precision), output Ŷ⁺ − Ŷ⁻ (eq. 4.14). {@code backpropGradient}: the steady
 * states at ±β with the nudging currents of eq. 4.16 toward the labels, and Theorem 4.2's
 * ((ΔV^β)² − (ΔV^{−β})²)/(4β) summed over the batch as DL4J's gradient (the updater divides by the batch size and
 * steps g ← g − η ∂L/∂g; then the layer's {@code ConductanceConstraint} projects). Score: eq. 4.15 at the free state.
 */
public class ResistiveBlockLayer extends BaseLayer<ResistiveBlock> implements IOutputLayer,
        org.eqprop.util.RandomState, NetworkInputLayer {

    private transient boolean fedByNetworkInput;

    @Override
    public void setFedByNetworkInput(boolean fed) {
        this.fedByNetworkInput = fed;
    }


    private INDArray labels;
    private transient SteadyState scoreState;
    private transient INDArray scoreInput;
    private transient SteadyState lastTrainingState;
    private final SolverStats stats = new SolverStats(16);
    private transient SteadyStateSolver solver;

    public ResistiveBlockLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The circuit over the current conductances (copied to double). */
    public ResistiveNetwork network() {
        return ResistiveNetwork.fromFlat(layerConf().topology(), FlatArrays.read(params()));
    }

    /**
     * The root-mean-square node noise √(T / A_j) in volts over the hidden and output nodes at the current
     * conductances (0 for a noise-free circuit).
     */
    public double nodeNoiseVolts() {
        double t = layerConf().getTemperature();
        if (t == 0) {
            return 0;
        }
        ResistiveNetwork net = network();
        double sum = 0;
        int count = 0;
        for (int m = 1; m < net.topology().layers(); m++) {
            for (int j = 0; j < net.topology().size(m); j++) {
                sum += t / net.total(m, j);
                count++;
            }
        }
        return Math.sqrt(sum / count);
    }

    /** Ŷ⁺ − Ŷ⁻ at the free steady states of the last training batch (null before training). */
    public INDArray lastTrainingPredictions() {
        SteadyState s = lastTrainingState;
        if (s == null) {
            return null;
        }
        double[][] out = new double[s.batchSize()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = s.prediction(b);
        }
        return Nd4j.create(out);
    }

    /** Sweeps, non-converged examples and the KCL residual of the phases run so far. */
    public SolverStats solverStats() {
        return stats;
    }

    private double[][] inputRows() {
        CircuitTopology t = layerConf().topology();
        if (input.rank() != 2 || input.size(1) != t.inputs()) {
            throw new IllegalArgumentException("ResistiveBlock expects [batch, " + t.inputs() + "] inputs, got "
                    + Arrays.toString(input.shape()) + " - " + layerId());
        }
        return input.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    /**
     * The free steady state of the current input (with node noise: a sample after the burn-in).
     * {@code backpropGradient} computes it and leaves it for the score DL4J asks for next in the same iteration
     * (before the update); every other call computes it afresh.
     */
    private SteadyState free(ResistiveNetwork net) {
        SteadyState s = solver().free(net, inputRows());
        stats.free(s);
        if (solver().temperature() == 0) {
            stats.residual(net, s);
        }
        return s;
    }

    /** The node noise's stream: what a checkpoint records. */
    @Override
    public long[] randomState() {
        return solver().randomState();
    }

    @Override
    public void restoreRandomState(long[] state) {
        solver().restoreRandomState(state);
    }

    /** One solver for the layer's life, so that a noisy circuit's noise stream runs on across iterations. */
    private SteadyStateSolver solver() {
        if (solver == null) {
            solver = layerConf().solver();
        }
        return solver;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        SteadyState s = free(network());
        double[][] out = new double[s.batchSize()][];
        for (int b = 0; b < out.length; b++) {
            out[b] = s.prediction(b);
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, Nd4j.create(out).castTo(dataType));
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    private double[][] targets(int batch) {
        if (labels == null) {
            throw new IllegalStateException("ResistiveBlock needs labels to nudge - " + layerId());
        }
        int k = layerConf().topology().classes();
        if (labels.rank() != 2 || labels.size(0) != batch || labels.size(1) != k) {
            throw new IllegalArgumentException("ResistiveBlock expects labels [" + batch + ", " + k + "], got "
                    + Arrays.toString(labels.shape()) + " - " + layerId());
        }
        return labels.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (getIndex() != 0 && !fedByNetworkInput) {
            throw new IllegalStateException("ResistiveBlock must be the network's only layer (its inputs are voltage "
                    + "sources; it has no input gradient), or sit above frozen layers only (transfer learning) in an "
                    + "org.eqprop.training.EqPropNetwork (EqPropNetwork.wrap) or EqPropComputationGraph, which also "
                    + "lets network inputs feed it in a graph - " + layerId());
        }
        ResistiveBlock c = layerConf();
        ResistiveNetwork net = network();
        SteadyState free = free(net);
        scoreState = free;
        scoreInput = input;
        lastTrainingState = free;
        double[][] y = targets(free.batchSize());
        SteadyStateSolver solver = solver();
        java.util.List<SteadyState> plus = solver.nudgedSamples(net, free, y, c.getBeta(), c.getSamples());
        java.util.List<SteadyState> minus = solver.nudgedSamples(net, free, y, -c.getBeta(), c.getSamples());
        stats.nudged(plus.get(0));
        stats.nudged(minus.get(0));
        if (solver.temperature() == 0) {
            stats.residual(net, plus.get(0));
            stats.residual(net, minus.get(0));
        }
        // Langevin EqProp: the update averaged over the samples of the noisy phases
        double[][] grad = ConductanceGradient.estimate(c.topology(), plus.get(0), minus.get(0));
        for (int j = 1; j < plus.size(); j++) {
            double[][] g = ConductanceGradient.estimate(c.topology(), plus.get(j), minus.get(j));
            for (int m = 0; m < grad.length; m++) {
                for (int i = 0; i < grad[m].length; i++) {
                    grad[m][i] += g[m][i];
                }
            }
        }
        for (double[] gm : grad) {
            for (int i = 0; i < gm.length; i++) {
                gm[i] /= plus.size();
            }
        }
        double[] flat = new double[(int) c.topology().conductances()];
        int offset = 0;
        for (double[] gm : grad) {
            for (int i = 0; i < gm.length; i++) {
                flat[offset + i] = c.isSignOnly() ? free.batchSize() * Math.signum(gm[i]) : gm[i];
            }
            offset += gm.length;
        }
        FlatArrays.write(getGradientsViewArray(), flat);
        Gradient gradient = new DefaultGradient();
        for (int m = 0; m < grad.length; m++) {
            String key = ResistiveParamInitializer.key(m);
            gradient.gradientForVariable().put(key, gradientViews.get(key));
        }
        this.gradient = gradient;
        return new Pair<>(gradient, null);
    }

    /** C (eq. 4.15) of each example at the free steady state. */
    private double[] costs() {
        SteadyState s;
        if (scoreState != null && scoreInput == input) {
            s = scoreState;
        } else {
            s = free(network());
        }
        scoreState = null;
        scoreInput = null;
        double[][] y = targets(s.batchSize());
        double[] out = new double[s.batchSize()];
        for (int b = 0; b < out.length; b++) {
            out[b] = PairedSquaredError.cost(s.outputs(b), y[b]);
        }
        return out;
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (input == null || labels == null) {
            throw new IllegalStateException("Cannot calculate score without input and labels - " + layerId());
        }
        double[] c = costs();
        this.score = Arrays.stream(c).sum() / c.length + fullNetRegTerm;
        return score;
    }

    @Override
    public INDArray computeScoreForExamples(double fullNetRegTerm, LayerWorkspaceMgr workspaceMgr) {
        double[] c = costs();
        double[][] col = new double[c.length][1];
        for (int b = 0; b < c.length; b++) {
            col[b][0] = c[b] + fullNetRegTerm;
        }
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, Nd4j.create(col).castTo(dataType));
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr workspaceMgr) {
        backpropGradient(null, workspaceMgr);
        computeScore(0, true, workspaceMgr);
    }

    @Override
    public Gradient gradient() {
        return gradient;
    }

    @Override
    public Pair<Gradient, Double> gradientAndScore() {
        return new Pair<>(gradient(), score());
    }

    @Override
    public double f1Score(DataSet data) {
        return f1Score(data.getFeatures(), data.getLabels());
    }

    @Override
    public double f1Score(INDArray examples, INDArray labels) {
        Evaluation eval = new Evaluation();
        eval.eval(labels, activate(examples, false, LayerWorkspaceMgr.noWorkspacesImmutable()));
        return eval.f1();
    }

    @Override
    public int numLabels() {
        return layerConf().topology().classes();
    }

    @Override
    public void fit(DataSetIterator iter) {
        throw new UnsupportedOperationException("train a ResistiveBlock through MultiLayerNetwork.fit - " + layerId());
    }

    @Override
    public int[] predict(INDArray input) {
        return activate(input, false, LayerWorkspaceMgr.noWorkspacesImmutable()).argMax(1).toIntVector();
    }

    @Override
    public List<String> predict(DataSet dataSet) {
        List<String> out = new ArrayList<>();
        for (int i : predict(dataSet.getFeatures())) {
            out.add(dataSet.getLabelName(i));
        }
        return out;
    }

    @Override
    public void fit(INDArray examples, INDArray labels) {
        throw new UnsupportedOperationException("train a ResistiveBlock through MultiLayerNetwork.fit - " + layerId());
    }

    @Override
    public void fit(DataSet data) {
        fit(data.getFeatures(), data.getLabels());
    }

    @Override
    public void fit(INDArray examples, int[] labels) {
        throw new UnsupportedOperationException("train a ResistiveBlock through MultiLayerNetwork.fit - " + layerId());
    }

    @Override
    public INDArray getLabels() {
        return labels;
    }

    @Override
    public void setLabels(INDArray labels) {
        this.labels = labels;
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public void clear() {
        super.clear();
        labels = null;
        scoreState = null;
        scoreInput = null;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no weight noise
    }
}
