package org.eqprop.costs;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossL2;

/**
 * The papers' squared error C = ½ Σ_j (s_j − y_j)² per example (half of DL4J's {@link LossL2}), so that a DL4J
 * {@code LossLayer} with identity activation back-propagates ε = s_N − y exactly as in Ernoult et al. 2019.
 */
public class HalfSquaredError extends LossL2 {

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return 0.5 * super.computeScore(labels, preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeScoreArray(labels, preOutput, activationFn, mask).muli(0.5);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeGradient(labels, preOutput, activationFn, mask).muli(0.5);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "HalfSquaredError";
    }

    @Override
    public String toString() {
        return "HalfSquaredError()";
    }
}
