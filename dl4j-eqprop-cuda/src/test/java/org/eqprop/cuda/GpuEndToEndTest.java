package org.eqprop.cuda;

import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End-to-end GPU against CPU (tag "gpu", run with {@code mvn -Pgpu test -pl dl4j-eqprop-cuda} on a machine with an
 * NVIDIA GPU and driver): the fatbin loads, and the kernels on the device give the host build's and the CPU engine's
 * results (relative error < 1e-5 in fp32).
 */
@Tag("gpu")
class GpuEndToEndTest {

    @Test
    void denseRelaxationOnTheGpuMatchesTheCpuEngine() {
        CudaKernels gpu = CudaKernels.gpu();
        Random r = new Random(81);
        int batch = 128;
        EnergyChain chain = TestChains.dense(r, 784, new int[]{500, 10}, StateActivation.of("hard-sigmoid", 0),
                FixedPointDynamics.INSTANCE, 1.5);
        INDArray x = TestChains.uniform(r, 0, 1, batch, 784);
        INDArray drive = chain.inputDrive(x);
        INDArray[] zero = chain.zeroStates(batch, DataType.FLOAT);
        SquaredErrorForce force = new SquaredErrorForce(TestChains.oneHot(r, batch, 10), 1.0);
        RelaxationControl free = new RelaxationControl(30, 0);
        RelaxationControl nudged = new RelaxationControl(10, 0);
        Equilibrium[] all = new CudaRelaxationEngine(gpu, 0).relaxIteration(chain, drive, zero, force, 0.1, free,
                nudged, true);
        Equilibrium f = FusedDenseRelaxation.INSTANCE.relax(chain, drive, zero, null, 0, free);
        Equilibrium p = FusedDenseRelaxation.INSTANCE.relax(chain, drive, f.states(), force, 0.1, nudged);
        Equilibrium m = FusedDenseRelaxation.INSTANCE.relax(chain, drive, f.states(), force, -0.1, nudged);
        Equilibrium[] cpu = {f, p, m};
        for (int ph = 0; ph < 3; ph++) {
            for (int k = 0; k < 2; k++) {
                double err = TestChains.relativeError(all[ph].states()[k], cpu[ph].states()[k]);
                assertTrue(err < 1e-5, "phase " + ph + " layer " + k + ": " + err);
            }
        }
    }

    @Test
    void everyKernelOnTheGpuMatchesTheHostBuild() {
        CudaKernels gpu = CudaKernels.gpu();
        CudaKernels host = CudaKernels.host();
        Random r = new Random(82);
        ConvShape shape = new ConvShape(4, 3, 16, 16, 8, 3, 1, 1, 2);
        float[] w = TestChains.floats(TestChains.uniform(r, -0.3, 0.3, 8, 3, 3, 3));
        float[] h = TestChains.floats(TestChains.uniform(r, 0, 1, 4, 3, 16, 16));
        float[] g = TestChains.floats(TestChains.uniform(r, 0, 1, 4, 8, 16, 16));
        for (CudaKernels.Igemm mode : CudaKernels.Igemm.values()) {
            float[] a = gpu.igemm(mode, shape, 1f, w, h, g, null);
            float[] b = host.igemm(mode, shape, 1f, w, h, g, null);
            assertTrue(TestChains.relativeError(a, b) < 1e-5, mode.name());
        }
        int[] pooled = {4, 8, 8, 8};
        float[] z = host.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, w, h, null, null);
        float[] s = TestChains.floats(TestChains.uniform(r, 0, 1, 4, 8, 8, 8));
        float[] bias = TestChains.floats(TestChains.uniform(r, -0.1, 0.1, 8));
        StateActivation act = StateActivation.of("half-hard-sigmoid", 0);
        CudaKernels.ConvStepResult a = gpu.convStep(pooled, 2, CudaKernels.Pooling.MAX, act, false, 1f, z, null, bias,
                null, null, s, 0f, 1f, null);
        CudaKernels.ConvStepResult b = host.convStep(pooled, 2, CudaKernels.Pooling.MAX, act, false, 1f, z, null,
                bias, null, null, s, 0f, 1f, null);
        assertTrue(TestChains.relativeError(a.next(), b.next()) < 1e-5);
        assertTrue(java.util.Arrays.equals(a.winners(), b.winners()));
        assertTrue(TestChains.relativeError(gpu.unpool(pooled, 2, CudaKernels.Pooling.MAX, s, a.winners()),
                host.unpool(pooled, 2, CudaKernels.Pooling.MAX, s, b.winners())) < 1e-5);
        float[] aU = TestChains.floats(TestChains.uniform(r, 0, 1, 128, 500));
        float[] bU = TestChains.floats(TestChains.uniform(r, 0, 1, 128, 500));
        float[] aL = TestChains.floats(TestChains.uniform(r, 0, 1, 128, 784));
        assertTrue(TestChains.relativeError(gpu.denseContrast(128, 784, 500, 784, 500, 1f, aL, aU, aL, bU),
                host.denseContrast(128, 784, 500, 784, 500, 1f, aL, aU, aL, bU)) < 1e-5);
        assertTrue(TestChains.relativeError(gpu.channelContrast(128, 500, 1, 500, 1f, aU, bU),
                host.channelContrast(128, 500, 1, 500, 1f, aU, bU)) < 1e-5);
    }

    @Test
    void softmaxReadoutOnTheGpuMatchesTheCpuEngine() {
        CudaKernels gpu = CudaKernels.gpu();
        Random r = new Random(83);
        int batch = 64;
        EnergyChain chain = TestChains.dense(r, 100, new int[]{300, 200}, StateActivation.of("half-hard-sigmoid", 0),
                FixedPointDynamics.INSTANCE, 1.5);
        INDArray drive = chain.inputDrive(TestChains.uniform(r, 0, 1, batch, 100));
        INDArray[] start = TestChains.randomStates(r, chain, batch);
        SoftmaxReadoutForce force = new SoftmaxReadoutForce(TestChains.uniform(r, -0.2, 0.2, 200, 10),
                TestChains.uniform(r, -0.1, 0.1, 1, 10), TestChains.oneHot(r, batch, 10));
        RelaxationControl c = new RelaxationControl(25, 0);
        Equilibrium a = new CudaRelaxationEngine(gpu, 0).relax(chain, drive, start, force, 1.0, c);
        Equilibrium b = FusedDenseRelaxation.INSTANCE.relax(chain, drive, start, force, 1.0, c);
        for (int k = 0; k < 2; k++) {
            assertTrue(TestChains.relativeError(a.states()[k], b.states()[k]) < 1e-5);
        }
    }

    /** TF32/BF16 on the device round like the host build (same integer code): the GEMMs and the dense relaxation. */
    @Test
    void reducedPrecisionKernelsOnTheGpuMatchTheHostBuild() {
        Random r = new Random(83);
        for (Precision p : new Precision[]{Precision.TF32, Precision.BF16}) {
            CudaKernels gpu = CudaKernels.gpu().withPrecision(p);
            CudaKernels host = CudaKernels.host().withPrecision(p);
            ConvShape shape = new ConvShape(4, 16, 16, 16, 32, 3, 1, 1, 2);
            float[] w = TestChains.floats(TestChains.uniform(r, -0.2, 0.2, 32, 16, 3, 3));
            float[] lower = TestChains.floats(TestChains.uniform(r, 0, 1, 4, 16, 16, 16));
            float[] upper = TestChains.floats(TestChains.uniform(r, 0, 1, 4, 32, 16, 16));
            for (CudaKernels.Igemm mode : CudaKernels.Igemm.values()) {
                double err = TestChains.relativeError(gpu.igemm(mode, shape, 1f, w, lower, upper, null),
                        host.igemm(mode, shape, 1f, w, lower, upper, null));
                assertTrue(err < 1e-5, p + " " + mode + ": " + err);
            }
            EnergyChain chain = TestChains.dense(r, 784, new int[]{500, 10}, StateActivation.of("hard-sigmoid", 0),
                    FixedPointDynamics.INSTANCE, 1.5);
            INDArray drive = chain.inputDrive(TestChains.uniform(r, 0, 1, 64, 784));
            INDArray[] zero = chain.zeroStates(64, DataType.FLOAT);
            RelaxationControl free = new RelaxationControl(30, 0);
            Equilibrium onGpu = new CudaRelaxationEngine(gpu, 0).relax(chain, drive, zero, null, 0, free);
            Equilibrium onHost = new CudaRelaxationEngine(host, 0).relax(chain, drive, zero, null, 0, free);
            for (int k = 0; k < 2; k++) {
                double err = TestChains.relativeError(onGpu.states()[k], onHost.states()[k]);
                assertTrue(err < 1e-4, p + " dense layer " + k + ": " + err);
            }
        }
    }
}
