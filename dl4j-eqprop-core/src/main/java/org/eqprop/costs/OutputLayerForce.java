package org.eqprop.costs;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The nudging force of any DL4J output layer, recomputed from the current state: ε(s_N) = ∂L/∂s_N is what the layer
 * back-propagates when s_N is its input, and the force is −β ε(s_N). The layer's input and gradient are restored
 * after each call, so the DL4J training step that follows sees them unchanged.
 */
public final class OutputLayerForce implements NudgingForce {

    private final Layer outputLayer;

    public OutputLayerForce(Layer outputLayer) {
        this.outputLayer = outputLayer;
    }

    @Override
    public void addTo(INDArray drive, INDArray output, double beta) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        INDArray savedInput = outputLayer.input();
        INDArray gradView = outputLayer.getGradientsViewArray();
        INDArray savedGrad = gradView == null ? null : gradView.dup();
        try {
            outputLayer.setInput(output, mgr);
            INDArray eps = outputLayer.backpropGradient(null, mgr).getSecond();
            drive.subi(eps.castTo(drive.dataType()).mul(beta));
        } finally {
            outputLayer.setInput(savedInput, mgr);
            if (savedGrad != null) {
                gradView.assign(savedGrad);
            }
        }
    }
}
