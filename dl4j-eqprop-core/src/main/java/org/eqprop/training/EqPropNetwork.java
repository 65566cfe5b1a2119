package org.eqprop.training;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.costs.Costs;
import org.eqprop.nn.conf.ReadoutGradient;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.nn.layers.NetworkInputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The EqProp trainer: a {@link MultiLayerNetwork} whose training step gives each EqProp block the papers'
 * state-dependent nudging force −β ∂C/∂s_N(s_t), recomputed at every step of the nudged phases from the cost
 * of the output layer that follows the block (Ernoult et al. 2019; Laborieux et al. 2021). Everything else is DL4J:
 * updaters, schedules, listeners, evaluation, serialization. A network restored by {@code ModelSerializer} is a plain
 * MultiLayerNetwork: wrap it with {@link #wrap} to train it again with this trainer.
 *
 * <p>Blocks configured with {@code nudgingForce("held")}, and blocks not directly followed by the output layer, keep
 * the force held at the free fixed point (thesis ch. 2 fn. 1), as in a plain MultiLayerNetwork.
 */
public class EqPropNetwork extends MultiLayerNetwork {

    public EqPropNetwork(MultiLayerConfiguration conf) {
        super(conf);
    }

    /** A trainer sharing the configuration and a copy of the parameters of a restored network. */
    public static EqPropNetwork wrap(MultiLayerNetwork net) {
        EqPropNetwork out = new EqPropNetwork(net.getLayerWiseConfigurations().clone());
        out.init(net.params().dup(), false);
        if (net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            out.getUpdater().getStateViewArray().assign(net.getUpdater().getStateViewArray());
        }
        out.setListeners(net.getListeners());
        return out;
    }

    /**
     * Initialises the network, then tells each layer without an input gradient (also inside a wrapper such as
     * {@code FrozenLayerWithBackprop}) whether only frozen layers lie below it (transfer learning: a new block above a
     * frozen feature extractor needs no input gradient).
     */
    @Override
    public void init(org.nd4j.linalg.api.ndarray.INDArray parameters, boolean cloneParametersArray) {
        super.init(parameters, cloneParametersArray);
        Layer[] layers = getLayers();
        boolean frozenBelow = true;
        for (Layer layer : layers) {
            NetworkInputLayer l = NetworkInputLayer.of(layer);
            if (l != null) {
                l.setFedByNetworkInput(frozenBelow);
            }
            frozenBelow &= NetworkInputLayer.frozen(layer);
        }
    }

    /**
     * A copy that is still an EqProp trainer (configuration, parameters, updater state); what DL4J's early-stopping
     * savers and {@code ParallelWrapper} call.
     */
    @Override
    public EqPropNetwork clone() {
        EqPropNetwork out = wrap(this);
        out.setListeners(new java.util.ArrayList<>());
        return out;
    }

    @Override
    public void computeGradientAndScore(LayerWorkspaceMgr layerWorkspaceMgr) {
        computeGradientAndScore();
    }

    @Override
    public void computeGradientAndScore() {
        Layer[] layers = getLayers();
        Layer output = getOutputLayer();
        int beforeOutput = layers.length - 2;
        if (beforeOutput >= 0 && layers[beforeOutput] instanceof EqPropBlockLayer block
                && block.layerConf().estimation().nudgingForce() == org.eqprop.costs.NudgingForce.Mode.RECOMPUTED && getLabels() != null) {
            block.setNudgingForce(Costs.forOutputLayer(output, getLabels()));
        }
        // training needs ∂L/∂x of a block at layer 0 only for an input preprocessor (which DL4J backpropagates): a
        // device-resident block then saves reading its nudged states back
        EqPropBlockLayer first = layers.length > 0 && layers[0] instanceof EqPropBlockLayer b ? b : null;
        if (first != null) {
            first.setInputGradientNeeded(getLayerWiseConfigurations().getInputPreProcess(0) != null);
        }
        EqPropBlockLayer readoutBlock = beforeOutput >= 0 && layers[beforeOutput] instanceof EqPropBlockLayer b
                && b.layerConf().estimation().readoutGradient() == ReadoutGradient.NUDGED ? b : null;
        if (readoutBlock != null) {
            if (output.numParams() == 0) {
                throw new IllegalStateException("readoutGradient nudged moves the gradient of a readout layer with "
                        + "parameters; this network ends in a " + output.getClass().getSimpleName() + " without any");
            }
            readoutBlock.setReadoutTrainer(true);
        }
        try {
            super.computeGradientAndScore();
            if (readoutBlock != null) {
                readoutAtNudgedStates(readoutBlock, output);
            }
        } finally {
            if (beforeOutput >= 0 && layers[beforeOutput] instanceof EqPropBlockLayer block) {
                block.setNudgingForce(null);
                block.setReadoutTrainer(false);
            }
            if (first != null) {
                first.setInputGradientNeeded(true);
            }
        }
    }

    /**
     * readoutGradient nudged: replaces the readout's gradient, taken by DL4J at the free state, with
     * (β_a ∂L(s^a)/∂θ_r − β_b ∂L(s^b)/∂θ_r)/(β_a − β_b) at the block's two contrast equilibria.
     */
    private void readoutAtNudgedStates(EqPropBlockLayer block, Layer output) {
        EqPropBlockLayer.ReadoutPoints p = block.readoutPoints();
        if (p == null) {
            throw new IllegalStateException("readoutGradient nudged: the block formed no two-phase contrast");
        }
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray view = output.getGradientsViewArray();
        INDArray[] at = new INDArray[2];
        INDArray[] inputs = {p.a(), p.b()};
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ignored = org.nd4j.linalg.factory.Nd4j.getMemoryManager()
                .scopeOutOfWorkspaces()) {
            for (int i = 0; i < 2; i++) {
                output.setInput(inputs[i].castTo(view.dataType()), mgr);
                ((org.deeplearning4j.nn.api.layers.IOutputLayer) output).setLabels(getLabels());
                output.backpropGradient(null, mgr);
                at[i] = view.dup();
            }
        }
        output.clear();
        double d = p.betaA() - p.betaB();
        view.assign(at[0].muli(p.betaA() / d).subi(at[1].muli(p.betaB() / d)));
    }
}
