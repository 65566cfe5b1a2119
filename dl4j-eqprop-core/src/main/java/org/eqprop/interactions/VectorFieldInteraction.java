package org.eqprop.interactions;

import org.eqprop.kernels.ParallelGemm;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fully connected coupling with separate forward weights W_k [n_{k−1}, n_k] and feedback weights B_k [n_k, n_{k−1}]
 * (Scellier et al. 2018, "Generalization of EqProp to vector field dynamics"; Ernoult et al. 2020, C-VF): the drives
 * are u_k += s_{k−1} W_k + b_k and u_{k−1} += s_k B_k, a vector field with no primitive function unless B_k = W_kᵀ.
 * Its learning rule is the vector-field one: with a the later (nudged) and b the earlier state,
 * <pre>
 *   ΔW_k ∝ s_{k−1,b}ᵀ (s_{k,a} − s_{k,b}),   Δb_k ∝ Σ_batch (s_{k,a} − s_{k,b}),   ΔB_k ∝ s_{k,b}ᵀ (s_{k−1,a} − s_{k−1,b}),
 * </pre>
 * which for B_k = W_kᵀ adds up to the EqProp contrast of {@link DenseInteraction} up to second order in a − b.
 */
public final class VectorFieldInteraction implements Interaction {

    private final INDArray weights;
    private final INDArray bias;
    private final INDArray feedback;

    /**
     * @param weights  W [nIn, nOut]
     * @param bias     b [1, nOut]
     * @param feedback B [nOut, nIn]
     */
    public VectorFieldInteraction(INDArray weights, INDArray bias, INDArray feedback) {
        if (feedback.rank() != 2 || feedback.size(0) != weights.size(1) || feedback.size(1) != weights.size(0)) {
            throw new IllegalArgumentException("feedback weights must be [" + weights.size(1) + ", " + weights.size(0)
                    + "], got " + java.util.Arrays.toString(feedback.shape()));
        }
        this.weights = weights;
        this.bias = bias;
        this.feedback = feedback;
    }

    public INDArray weights() {
        return weights;
    }

    public INDArray feedback() {
        return feedback;
    }

    @Override
    public void addUpwardDrive(INDArray lower, INDArray upperDrive) {
        ParallelGemm.gemm(lower, weights, upperDrive, false, false, 1.0, 1.0);
        upperDrive.addiRowVector(bias);
    }

    @Override
    public void addDownwardDrive(INDArray lower, INDArray upper, INDArray lowerDrive) {
        ParallelGemm.gemm(upper, feedback, lowerDrive, false, false, 1.0, 1.0);
    }

    @Override
    public void writeContrastGradient(INDArray lowerA, INDArray upperA, INDArray lowerB, INDArray upperB,
                                      double scale, INDArray[] gradientViews) {
        INDArray upperDiff = upperA.sub(upperB);
        ParallelGemm.gemm(lowerB, upperDiff, gradientViews[0], true, false, scale, 0.0);
        gradientViews[1].assign(upperDiff.sum(true, 0).muli(scale));
        ParallelGemm.gemm(upperB, lowerA.sub(lowerB), gradientViews[2], true, false, scale, 0.0);
    }

    /** Vector-field dynamics have no primitive function (unless B = Wᵀ, where {@link DenseInteraction} applies). */
    @Override
    public double primitiveFunction(INDArray lower, INDArray upper) {
        throw new UnsupportedOperationException("a vector-field interaction (feedback weights B != W^T) has no "
                + "primitive function");
    }

    @Override
    public void addUpwardVjp(INDArray lower, INDArray deltaUpper, INDArray lowerGrad) {
        ParallelGemm.gemm(deltaUpper, weights, lowerGrad, false, true, 1.0, 1.0);
    }

    @Override
    public void addDownwardVjp(INDArray lower, INDArray deltaLower, INDArray upperGrad) {
        ParallelGemm.gemm(deltaLower, feedback, upperGrad, false, true, 1.0, 1.0);
    }

    @Override
    public void addParameterVjp(INDArray lower, INDArray upper, INDArray deltaLower, INDArray deltaUpper,
                                double scale, INDArray[] views) {
        ParallelGemm.gemm(lower, deltaUpper, views[0], true, false, scale, 1.0);
        views[1].addi(deltaUpper.sum(true, 0).muli(scale));
        if (deltaLower != null) {
            ParallelGemm.gemm(upper, deltaLower, views[2], true, false, scale, 1.0);
        }
    }

    @Override
    public INDArray[] parameters() {
        return new INDArray[]{weights, bias, feedback};
    }

    @Override
    public VectorFieldInteraction copy() {
        return new VectorFieldInteraction(weights.dup(), bias.dup(), feedback.dup());
    }

    /** The angle in degrees between W and Bᵀ: 0 for symmetric weights (Ernoult et al. 2020, Fig. 3). */
    public double angleDegrees() {
        return angleDegrees(weights, feedback);
    }

    /** The angle in degrees between W [n, m] and Bᵀ for B [m, n]. */
    public static double angleDegrees(INDArray w, INDArray b) {
        double dot = w.mul(b.transpose()).sumNumber().doubleValue();
        double norms = w.norm2Number().doubleValue() * b.norm2Number().doubleValue();
        return norms == 0 ? 90.0 : Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, dot / norms))));
    }

    /**
     * Writes into {@code feedback} a B with ‖B‖ = ‖W‖ at exactly {@code degrees} from Wᵀ:
     * B = ‖W‖ (cos φ Wᵀ/‖W‖ + sin φ R⊥/‖R⊥‖), R⊥ the part of the random {@code noise} [n_k, n_{k−1}] orthogonal to Wᵀ.
     */
    public static void initFeedback(INDArray w, INDArray noise, double degrees, INDArray feedback) {
        INDArray wt = w.transpose().dup('c');
        double wNorm = wt.norm2Number().doubleValue();
        if (wNorm == 0) {
            feedback.assign(noise);
            return;
        }
        INDArray perp = noise.dup('c');
        perp.subi(wt.mul(perp.mul(wt).sumNumber().doubleValue() / (wNorm * wNorm)));
        double pNorm = perp.norm2Number().doubleValue();
        double phi = Math.toRadians(degrees);
        INDArray b = wt.mul(Math.cos(phi));
        if (pNorm > 0) {
            b.addi(perp.muli(Math.sin(phi) * wNorm / pNorm));
        }
        feedback.assign(b);
    }
}
