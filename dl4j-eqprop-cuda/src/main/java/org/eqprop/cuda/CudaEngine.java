package org.eqprop.cuda;

import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.AcceleratedEngine;
import org.eqprop.dynamics.AcceleratorFailure;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.ResidentIteration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CUDA engine that {@link CudaEngineProvider} offers: whole iterations of any chain of dense and pooled
 * convolutional layers resident on the GPU ({@link CudaSession}), and, for a block that relaxes phase by phase
 * (persistent states, a doubled batch, BPTT's trajectory), the per-phase engines: the persistent dense kernel
 * ({@link CudaRelaxationEngine}) and the conv step kernels ({@link CudaConvRelaxation}). A GPU error after it was
 * chosen is an {@link AcceleratorFailure}, on which the block carries on with a CPU engine.
 */
public final class CudaEngine implements AcceleratedEngine {

    private final CudaKernels kernels;
    private final CudaRelaxationEngine dense;
    private final CudaConvRelaxation conv;

    public CudaEngine(CudaKernels kernels) {
        this.kernels = kernels;
        this.dense = new CudaRelaxationEngine(kernels, 0);
        this.conv = new CudaConvRelaxation(kernels);
    }

    @Override
    public boolean supports(EnergyChain chain, NudgingForce force, DataType dataType) {
        return dense.supports(chain, force, dataType) || conv.supports(chain, force, dataType);
    }

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                             double beta, RelaxationControl control) {
        try {
            return dense.supports(chain, force, inputDrive.dataType())
                    ? dense.relax(chain, inputDrive, start, force, beta, control)
                    : conv.relax(chain, inputDrive, start, force, beta, control);
        } catch (CudaUnavailableException e) {
            throw new AcceleratorFailure(name(), e.getMessage());
        }
    }

    @Override
    public boolean writeContrastGradient(EnergyChain chain, INDArray x, INDArray[] a, INDArray[] b, double scale,
                                         INDArray[][] views) {
        try {
            return dense.writeContrastGradient(chain, x, a, b, scale, views);
        } catch (CudaUnavailableException e) {
            throw new AcceleratorFailure(name(), e.getMessage());
        }
    }

    /** A session on the GPU (or on the CPU stand-in driver); none for the kernels' host build. */
    @Override
    public ResidentIteration resident(EnergyChain chain, long[] inputShape, int batch, DataType dataType,
                                      boolean alternating) {
        if (kernels.target() != CudaKernels.Target.GPU || !CudaSession.supports(chain, inputShape, dataType)) {
            return null;
        }
        return CudaSession.open(chain, inputShape, batch, alternating, kernels.precision(), name());
    }

    @Override
    public String name() {
        return dense.name();
    }
}
