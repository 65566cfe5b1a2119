package org.eqprop.costs;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.LossLayer;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * The state-dependent nudging force of the DL4J layer that follows an EqProp block: specialised (and fused) for the
 * papers' two costs, squared error on the output neurons and the softmax cross-entropy readout; any other output
 * layer gets {@link OutputLayerForce}, which asks the layer itself for ε(s_N) at every step.
 */
public final class Costs {

    private Costs() {
    }

    public static NudgingForce forOutputLayer(Layer outputLayer, INDArray labels) {
        if (outputLayer instanceof LossLayer) {
            org.deeplearning4j.nn.conf.layers.LossLayer conf =
                    (org.deeplearning4j.nn.conf.layers.LossLayer) outputLayer.conf().getLayer();
            Double scale = squaredErrorScale(conf.getLossFn(), conf.getActivationFn(), labels.size(1));
            if (scale != null) {
                return new SquaredErrorForce(labels, scale);
            }
        }
        if (outputLayer instanceof OutputLayer) {
            org.deeplearning4j.nn.conf.layers.OutputLayer conf =
                    (org.deeplearning4j.nn.conf.layers.OutputLayer) outputLayer.conf().getLayer();
            ILossFunction loss = conf.getLossFn();
            boolean crossEntropy = (loss instanceof LossMCXENT && ((LossMCXENT) loss).getWeights() == null)
                    || (loss instanceof LossNegativeLogLikelihood
                    && ((LossNegativeLogLikelihood) loss).getWeights() == null);
            if (crossEntropy && conf.getActivationFn() instanceof ActivationSoftmax && conf.hasBias()) {
                return new SoftmaxReadoutForce(outputLayer.getParam("W"), outputLayer.getParam("b"), labels);
            }
        }
        return new OutputLayerForce(outputLayer);
    }

    /** c of C = (c/2)‖s − y‖² for an identity-activated squared-error loss, or null. */
    private static Double squaredErrorScale(ILossFunction loss, IActivation activation, long width) {
        if (!(activation instanceof ActivationIdentity) || !(loss instanceof LossL2)
                || ((LossL2) loss).getWeights() != null) {
            return null;
        }
        if (loss instanceof HalfSquaredError) {
            return 1.0;
        }
        if (loss instanceof LossMSE) {
            return 2.0 / width;
        }
        return loss.getClass() == LossL2.class ? 2.0 : null;
    }
}
