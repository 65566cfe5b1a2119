package org.eqprop.cuda;

import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.AcceleratedEngine;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationException;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.interactions.Interaction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CUDA minimizer for chains of pooled convolutions (ConvPoolInteraction, thesis eq. 5.13): per step and layer k,
 * the implicit GEMM z_k = w_k ⋆ s_{k−1}, the fused elementwise step (pooling with its switches, + b_k, + the
 * feedback w_{k+1} ⋆ᵀ P⁻¹(s_{k+1}), nudging, activation, clipping, residual: conv_step.cu), the inverse pooling
 * and the transpose implicit GEMM of the feedback: four launches per layer and step instead of the reference
 * engine's im2col, products, pooling and elementwise operations. Squared-error and held forces on the output map;
 * synchronous or alternating order (the alternating one computes every layer's step and keeps half of them, so that
 * the pooling switches of the layers that do not move come from the same kernels).
 */
public final class CudaConvRelaxation implements AcceleratedEngine {

    private final CudaKernels kernels;

    public CudaConvRelaxation(CudaKernels kernels) {
        this.kernels = kernels;
    }

    @Override
    public boolean supports(EnergyChain chain, NudgingForce force, DataType dataType) {
        if (dataType != DataType.FLOAT || chain.isFlat() || !CudaKernels.knows(chain.activation())) {
            return false;
        }
        for (int k = 0; k < chain.depth(); k++) {
            Interaction i = chain.interaction(k);
            if (!(i instanceof ConvPoolInteraction c) || c.weights().size(2) != c.weights().size(3)
                    || chain.shape(k, 1).length != 4) {
                return false;
            }
        }
        return (chain.dynamics() instanceof FixedPointDynamics || chain.dynamics() instanceof EulerDynamics)
                && (force == null || force instanceof SquaredErrorForce || force instanceof HeldForce);
    }

    private record Layer(int[] pooledShape, int pool, CudaKernels.Pooling pooling, ConvShape conv, float[] weights,
                         float[] bias) {
    }

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                             double beta, RelaxationControl control) {
        if (!supports(chain, force, inputDrive.dataType())) {
            throw new IllegalArgumentException("the CUDA conv engine runs float32 chains of pooled convolutions with "
                    + "a squared-error or held force, got " + (force == null ? "no force" : force.getClass()
                    .getSimpleName()));
        }
        int n = chain.depth();
        int batch = (int) inputDrive.size(0);
        Layer[] layers = new Layer[n];
        for (int k = 0; k < n; k++) {
            ConvPoolInteraction c = (ConvPoolInteraction) chain.interaction(k);
            long[] sh = chain.shape(k, batch);
            int[] pooled = {batch, (int) sh[1], (int) sh[2], (int) sh[3]};
            CudaKernels.Pooling pooling = CudaKernels.Pooling.valueOf(c.pooling().name());
            ConvShape conv = null;
            if (k > 0) {
                long[] lo = chain.shape(k - 1, batch);
                conv = new ConvShape(batch, (int) lo[1], (int) lo[2], (int) lo[3], (int) c.weights().size(0),
                        (int) c.weights().size(2), c.stride(), c.padding(), c.pool());
            }
            layers[k] = new Layer(pooled, c.pool(), pooling, conv, FusedKernels.floats(c.weights()),
                    FusedKernels.floats(c.bias()));
        }
        float[] base = FusedKernels.floats(inputDrive);
        float[][] s = new float[n][];
        for (int k = 0; k < n; k++) {
            s[k] = FusedKernels.floats(start[k]);
        }
        float[] labels = null;
        float[] extra = null;
        float scale = 1f;
        float b = force == null ? 0f : (float) beta;
        if (force instanceof SquaredErrorForce f) {
            labels = FusedKernels.floats(f.labels());
            scale = (float) f.scale();
        } else if (force instanceof HeldForce f) {
            extra = FusedKernels.floats(f.epsilon());
            for (int i = 0; i < extra.length; i++) {
                extra[i] *= -b;
            }
        }
        boolean euler = chain.dynamics() instanceof EulerDynamics;
        float eps = euler ? (float) ((EulerDynamics) chain.dynamics()).epsilon() : 1f;
        int t = 0;
        float residual = Float.NaN;
        boolean converged = !control.stopsEarly();
        while (t < control.maxSteps()) {
            t++;
            residual = 0f;
            for (int pass = 0; pass < (control.alternating() ? 2 : 1); pass++) {
                float[][] next = new float[n][];
                int[] winnersAbove = null;
                for (int k = n - 1; k >= 0; k--) {
                    Layer l = layers[k];
                    float[] feedback = null;
                    if (k + 1 < n) {
                        Layer up = layers[k + 1];
                        float[] routed = kernels.unpool(up.pooledShape(), up.pool(), up.pooling(), s[k + 1],
                                winnersAbove);
                        feedback = kernels.igemm(CudaKernels.Igemm.TRANSPOSE, up.conv(), 1f, up.weights(), null,
                                routed, null);
                    }
                    boolean top = k == n - 1;
                    CudaKernels.ConvStepResult r = kernels.convStep(l.pooledShape(), l.pool(), l.pooling(),
                            chain.activation(), euler, eps,
                            k == 0 ? null : kernels.igemm(CudaKernels.Igemm.FORWARD, l.conv(), 1f, l.weights(),
                                    s[k - 1], null, null),
                            k == 0 ? base : null, l.bias(), feedback, top ? extra : null, s[k], top ? b : 0f,
                            scale, top ? labels : null);
                    winnersAbove = r.winners();
                    if (!control.alternating() || k % 2 == pass) {
                        next[k] = r.next();
                        residual = Float.isNaN(r.residual()) || r.residual() > 3e38f ? Float.NaN
                                : Math.max(residual, r.residual());
                    }
                }
                for (int k = 0; k < n; k++) {
                    if (next[k] != null) {
                        s[k] = next[k];
                    }
                }
            }
            if (Float.isNaN(residual)) {
                break;
            }
            if (control.stopsEarly() && residual <= control.tolerance()) {
                converged = true;
                break;
            }
        }
        if (Float.isNaN(residual)) {
            throw new RelaxationException("the relaxation produced NaN or infinite states after " + t + " steps: the "
                    + "weights or beta are too large for these dynamics (lower the learning rate or beta)");
        }
        INDArray[] states = new INDArray[n];
        for (int k = 0; k < n; k++) {
            states[k] = FusedKernels.array(s[k], chain.shape(k, batch));
        }
        return new Equilibrium(states, t, residual, converged);
    }

    @Override
    public String name() {
        String base = kernels.target() == CudaKernels.Target.GPU ? "cuda-conv" : "cuda-conv-host-build";
        return kernels.precision() == Precision.FP32 ? base
                : base + "-" + kernels.precision().name().toLowerCase(java.util.Locale.ROOT);
    }
}
