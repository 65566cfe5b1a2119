package org.eqprop.nn.layers;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.graph.DeepTrainer;
import org.eqprop.graph.DirectedGraph;
import org.eqprop.nn.conf.DirectedGraphBlock;
import org.eqprop.nn.params.DirectedGraphParamInitializer;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of a {@link DirectedGraphBlock}: {@code activate} relaxes the graph with the inputs clamped (M_0 steps of
 * eq. 1) and returns its output neurons; {@code backpropGradient(ε)} runs the nudged phase of each example with the
 * force −β ε held at the free state and hands DL4J minus the learning rule's update (summed over the batch), so that
 * the updater's step W ← W − η g is the rule's W + η ΔW.
 */
public class DirectedGraphLayer extends BaseLayer<DirectedGraphBlock> implements NetworkInputLayer {

    private transient boolean fedByNetworkInput;

    @Override
    public void setFedByNetworkInput(boolean fed) {
        this.fedByNetworkInput = fed;
    }


    private transient double[][] freeStates;
    private transient INDArray freeInput;

    public DirectedGraphLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The graph over the current parameters (copied into double arrays: these graphs are small). */
    public DirectedGraph graph() {
        DirectedGraphBlock c = layerConf();
        int n = c.neurons();
        double[][] w = getParam(DirectedGraphParamInitializer.WEIGHTS).castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] b = getParam(DirectedGraphParamInitializer.BIAS).castTo(DataType.DOUBLE).toDoubleVector();
        boolean[][] mask = new boolean[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                mask[i][j] = i != j;
            }
        }
        return new DirectedGraph(w, b, mask, null, (int) c.getNIn(), (int) c.getNOut());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        DirectedGraphBlock c = layerConf();
        if (input.rank() != 2 || input.size(1) != c.getNIn()) {
            throw new DL4JInvalidInputException("DirectedGraphBlock expects [batch, " + c.getNIn() + "] inputs, got "
                    + java.util.Arrays.toString(input.shape()) + " - " + layerId());
        }
        double[][] x = input.castTo(DataType.DOUBLE).toDoubleMatrix();
        DirectedGraph g = graph();
        DeepTrainer.Settings s = c.settings();
        freeStates = new double[x.length][];
        double[][] out = new double[x.length][];
        for (int e = 0; e < x.length; e++) {
            for (double v : x[e]) {
                if (!Double.isFinite(v)) {
                    throw new DL4JInvalidInputException("DirectedGraphBlock input contains NaN or infinite values - "
                            + layerId());
                }
            }
            double[] state = g.initialState(x[e]);
            for (int m = 0; m < s.freeSteps(); m++) {
                g.step(state, s.dt());
            }
            freeStates[e] = state;
            out[e] = g.output(state);
        }
        freeInput = input;
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, Nd4j.create(out).castTo(dataType));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (getIndex() != 0 && !fedByNetworkInput) {
            throw new IllegalStateException("DirectedGraphBlock must be the first layer (it has no input gradient), "
                    + "or sit above frozen layers only (transfer learning) in an org.eqprop.training.EqPropNetwork "
                    + "(EqPropNetwork.wrap) or EqPropComputationGraph, which also lets network inputs feed it in a "
                    + "graph - " + layerId());
        }
        if (freeStates == null || freeInput != input) {
            activate(true, workspaceMgr);
        }
        DirectedGraph g = graph();
        DeepTrainer.Settings s = layerConf().settings();
        double[][] eps = epsilon.castTo(DataType.DOUBLE).toDoubleMatrix();
        int n = g.neurons();
        double[][] gw = new double[n][n];
        double[] gb = new double[n];
        for (int e = 0; e < freeStates.length; e++) {
            double[] held = eps[e];
            DeepTrainer.Update u = DeepTrainer.update(g, s, freeStates[e].clone(), out -> held);
            for (int i = 0; i < n; i++) {
                gb[i] -= u.bias()[i];
                for (int j = 0; j < n; j++) {
                    gw[i][j] -= u.weights()[i][j];
                }
            }
        }
        INDArray wView = gradientViews.get(DirectedGraphParamInitializer.WEIGHTS);
        INDArray bView = gradientViews.get(DirectedGraphParamInitializer.BIAS);
        wView.assign(Nd4j.create(gw).castTo(wView.dataType()));
        bView.assign(Nd4j.create(gb).reshape(1, n).castTo(bView.dataType()));
        Gradient gradient = new DefaultGradient();
        gradient.gradientForVariable().put(DirectedGraphParamInitializer.WEIGHTS, wView);
        gradient.gradientForVariable().put(DirectedGraphParamInitializer.BIAS, bView);
        return new Pair<>(gradient, null);
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
