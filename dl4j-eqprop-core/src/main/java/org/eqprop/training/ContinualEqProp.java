package org.eqprop.training;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.eqprop.costs.Costs;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.interactions.VectorFieldInteraction;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * Continual Equilibrium Propagation (Ernoult et al. 2020). After the free phase, every step of the nudged phase
 * also moves the parameters, so nothing of the free state has to be kept for a final contrast:
 * <pre>
 *   s_{t+1} = σ(∂Φ/∂s(x, s_t, θ_t) − β ∂C/∂s(s_t)),
 *   θ_{t+1} = θ_t + (η/β) (∂Φ/∂θ(x, s_{t+1}, θ_t) − ∂Φ/∂θ(x, s_t, θ_t))          (C-EP),
 * </pre>
 * and, for a vector-field block with feedback weights B ≠ Wᵀ, the same with the vector-field rule of
 * {@link VectorFieldInteraction} (C-VF). As η → 0 and β → 0 the update of step t equals −η ∂L/∂θ_{T−t} of BPTT
 * (Ernoult et al. 2020, Theorem 1; {@link GddCheck} measures it).
 *
 * <p>The trainer runs on a network whose first layer is an {@link EqPropBlock} followed by a parameter-free output
 * layer (the papers' squared error on s_N, or a softmax over s_N): plain SGD with one rate η_k per interaction, the
 * gradient averaged over the batch. DL4J listeners see each forward pass and iteration, as in {@code fit}.
 */
public final class ContinualEqProp {

    /** Called after each continual step with the batch-summed loss-gradient estimate it applied, per interaction. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(int step, INDArray[] states, INDArray[][] gradient);
    }

    private final MultiLayerNetwork net;
    private final EqPropBlockLayer block;
    private final double[] learningRates;
    private int epoch;

    /**
     * @param learningRates η_k, one per interaction of the block
     */
    public ContinualEqProp(MultiLayerNetwork net, double... learningRates) {
        Layer[] layers = net.getLayers();
        if (layers.length != 2 || !(layers[0] instanceof EqPropBlockLayer b)) {
            throw new IllegalArgumentException("continual EqProp trains an EqPropBlock followed by one output layer");
        }
        if (layers[1].numParams() > 0) {
            throw new IllegalArgumentException("continual EqProp needs a parameter-free output layer after the block "
                    + "(LossLayer); " + layers[1].getClass().getSimpleName() + " has " + layers[1].numParams()
                    + " parameters");
        }
        int n = b.layerConf().depth();
        if (learningRates.length != n) {
            throw new IllegalArgumentException("need one learning rate per interaction (" + n + "), got "
                    + learningRates.length);
        }
        for (double r : learningRates) {
            if (!(r >= 0) || !Double.isFinite(r)) {
                throw new IllegalArgumentException("learning rates must be finite and >= 0, got "
                        + Arrays.toString(learningRates));
            }
        }
        this.net = net;
        this.block = b;
        this.learningRates = learningRates.clone();
    }

    /** One epoch over the iterator. */
    public void fit(DataSetIterator iterator) {
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        while (iterator.hasNext()) {
            fit(iterator.next());
        }
        epoch++;
        net.getLayerWiseConfigurations().setEpochCount(epoch);
    }

    /** Free phase, then the nudged phase with a parameter update at every step. */
    public void fit(DataSet batch) {
        EqPropBlock c = block.layerConf();
        INDArray x = batch.getFeatures().castTo(block.getParam("W1").dataType()).dup('c');
        INDArray labels = batch.getLabels();
        EnergyChain chain = block.chain();
        INDArray inputDrive = chain.inputDrive(x);
        Equilibrium free = block.engineFor(chain, null).relax(chain, inputDrive,
                chain.zeroStates(x.size(0), x.dataType()), null, 0, c.freeControl());
        net.setLabels(labels);
        INDArray output = net.getOutputLayer().activate(free.output(), false,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        for (TrainingListener l : net.getListeners()) {
            l.onForwardPass(net, List.of(free.output(), output));
        }
        NudgingForce force = Costs.forOutputLayer(net.getOutputLayer(), labels);
        double[] rates = Arrays.stream(learningRates).map(r -> r / x.size(0)).toArray();
        nudgedPhase(chain, block.engineFor(chain, force), x, free.states(), force, c.estimation().beta(), c.relaxation().nudgedSteps(),
                rates, null);
        int iteration = net.getIterationCount() + 1;
        net.setIterationCount(iteration);
        for (TrainingListener l : net.getListeners()) {
            l.iterationDone(net, iteration, epoch);
        }
    }

    /** The angle (degrees) between W_k and B_kᵀ for each interaction with feedback weights (Ernoult et al. 2020). */
    public double[] feedbackAngles() {
        return feedbackAngles(block.chain());
    }

    /** The same for any chain; empty for symmetric weights. */
    public static double[] feedbackAngles(EnergyChain chain) {
        double[] out = new double[0];
        for (int k = 0; k < chain.depth(); k++) {
            if (chain.interaction(k) instanceof VectorFieldInteraction vf) {
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = vf.angleDegrees();
            }
        }
        return out;
    }

    /**
     * The continual nudged phase: K steps of the nudged dynamics from {@code start}, each followed by
     * θ_k −= rates[k] · g_k with g = −(1/β)(∂Φ/∂θ(s_{t+1}) − ∂Φ/∂θ(s_t)) summed over the batch. The chain's parameter
     * arrays are updated in place; the input drive is recomputed after every update of W_1.
     *
     * @return the last nudged state
     */
    public static INDArray[] nudgedPhase(EnergyChain chain, RelaxationEngine engine, INDArray x, INDArray[] start,
                                         NudgingForce force, double beta, int steps, double[] rates,
                                         StepListener listener) {
        int n = chain.depth();
        INDArray[][] gradient = new INDArray[n][];
        for (int k = 0; k < n; k++) {
            gradient[k] = Arrays.stream(chain.interaction(k).parameters()).map(INDArray::ulike)
                    .toArray(INDArray[]::new);
        }
        RelaxationControl oneStep = new RelaxationControl(1, 0);
        INDArray[] s = start;
        for (int t = 0; t < steps; t++) {
            INDArray[] next = engine.relax(chain, chain.inputDrive(x), s, force, beta, oneStep).states();
            chain.writeContrastGradient(x, next, s, -1.0 / beta, gradient);
            for (int k = 0; k < n; k++) {
                INDArray[] params = chain.interaction(k).parameters();
                for (int i = 0; i < params.length; i++) {
                    Nd4j.getBlasWrapper().level1().axpy(params[i].length(), -rates[k], gradient[k][i], params[i]);
                }
            }
            if (listener != null) {
                listener.onStep(t, next, gradient);
            }
            s = next;
        }
        return s;
    }
}
