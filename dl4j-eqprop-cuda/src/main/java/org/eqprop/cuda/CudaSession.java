package org.eqprop.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.AcceleratorFailure;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationException;
import org.eqprop.dynamics.ResidentIteration;
import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.Interaction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Cleaner;
import java.util.Arrays;

/**
 * A block's EqProp iteration resident on the GPU (src/main/cuda/eqprop_session.h): dense chains that fit a thread
 * block's shared memory relax in the persistent kernel, any chain of dense and pooled convolutional layers in the
 * layered one (implicit GEMMs, the fused step, inverse pooling and the softmax readout force per step, the early stop
 * decided on the device). The device buffers are made once, when the session opens, and freed by {@link #close} or
 * when the session is garbage (a {@link Cleaner}): per iteration only x, the parameters and the force's labels go up,
 * the output s_N, the gradient and the phases' statistics come down.
 */
final class CudaSession implements ResidentIteration {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CudaSession.class);
    private static final int LAYER_FIELDS = 8;
    private static final int HEADER = 10;

    /** Where a resident equilibrium lives: a slot of a session, valid for one iteration (epoch). */
    record Slot(CudaSession session, long epoch, int index) {
        @Override
        public String toString() {
            return session.name + " slot " + index;
        }
    }

    /** The native handle, destroyed once (by close or by the cleaner). */
    private static final class Handle implements Runnable {
        private long value;

        Handle(long value) {
            this.value = value;
        }

        @Override
        public synchronized void run() {
            if (value > 0) {
                EqpropNative.session_destroy(value);
                value = 0;
            }
        }

        synchronized long get() {
            if (value <= 0) {
                throw new IllegalStateException("the CUDA session is closed");
            }
            return value;
        }
    }

    private final Handle handle;
    private final Cleaner.Cleanable cleanable;
    private final String name;
    private final int batch;
    private final long[][] shapes;
    private final long inputUnits;
    private final long parameters;
    private final boolean alternating;
    private final boolean convolutional;
    private long epoch;
    private int nextSlot = 1;
    private NudgingForce lastForce;

    private CudaSession(long handle, String name, int batch, long[][] shapes, long inputUnits, boolean alternating,
                        boolean convolutional) {
        this.handle = new Handle(handle);
        this.cleanable = CLEANER.register(this, this.handle);
        this.name = name;
        this.batch = batch;
        this.shapes = shapes;
        this.inputUnits = inputUnits;
        this.alternating = alternating;
        this.convolutional = convolutional;
        this.parameters = EqpropNative.session_param_count(handle);
    }

    /** Whether a session can hold this chain: float32, dense and square pooled convolutions, fixed-point or Euler. */
    static boolean supports(EnergyChain chain, long[] inputShape, DataType dataType) {
        if (dataType != DataType.FLOAT || chain.depth() > 8 || (inputShape.length != 1 && inputShape.length != 3)
                || !CudaKernels.knows(chain.activation())) {
            return false;
        }
        if (!(chain.dynamics() instanceof FixedPointDynamics) && !(chain.dynamics() instanceof EulerDynamics)) {
            return false;
        }
        for (int k = 0; k < chain.depth(); k++) {
            Interaction i = chain.interaction(k);
            if (i instanceof ConvPoolInteraction c) {
                if (c.weights().size(2) != c.weights().size(3) || (k == 0 && inputShape.length != 3)) {
                    return false;
                }
            } else if (!(i instanceof DenseInteraction)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A session for this chain, or null when {@link #supports} says no or the sessions do not take its shapes.
     *
     * @throws AcceleratorFailure when the GPU cannot make it (out of memory, a failed context)
     */
    static CudaSession open(EnergyChain chain, long[] inputShape, int batch, boolean alternating, Precision precision,
                            String name) {
        if (!supports(chain, inputShape, DataType.FLOAT)) {
            return null;
        }
        int n = chain.depth();
        int[] icfg = new int[HEADER + LAYER_FIELDS * n];
        icfg[0] = n;
        icfg[1] = batch;
        icfg[2] = chain.activation().kind().ordinal();
        boolean euler = chain.dynamics() instanceof EulerDynamics;
        icfg[3] = euler ? 1 : 0;
        icfg[4] = alternating ? 1 : 0;
        icfg[5] = precision.ordinal();
        icfg[6] = (int) inputShape[0];
        icfg[7] = inputShape.length == 3 ? (int) inputShape[1] : 1;
        icfg[8] = inputShape.length == 3 ? (int) inputShape[2] : 1;
        icfg[9] = Integer.getInteger("eqprop.cuda.session.mode", 0);
        long[][] shapes = new long[n][];
        for (int k = 0; k < n; k++) {
            int at = HEADER + LAYER_FIELDS * k;
            Interaction i = chain.interaction(k);
            if (i instanceof ConvPoolInteraction c) {
                icfg[at] = 1;
                icfg[at + 1] = (int) c.weights().size(0);
                icfg[at + 2] = (int) c.weights().size(2);
                icfg[at + 3] = c.stride();
                icfg[at + 4] = c.padding();
                icfg[at + 5] = c.pool();
                icfg[at + 6] = switch (c.pooling()) {
                    case MAX -> 0;
                    case AVG -> 1;
                    case NONE -> 2;
                };
            } else {
                icfg[at + 1] = chain.width(k);
            }
            shapes[k] = chain.shape(k, batch);
        }
        float[] fcfg = {(float) chain.activation().leak(), euler ? (float) ((EulerDynamics) chain.dynamics()).epsilon()
                : 1f};
        long h = EqpropNative.session_create(icfg, fcfg);
        if (h == -1) {
            // a configuration the sessions do not take (e.g. pooling windows that do not tile a map): not resident
            LOG.info("{}: this block's iterations stay on the host, phase by phase: {}", name,
                    EqpropNative.last_error());
            return null;
        }
        if (h <= 0) {
            throw new AcceleratorFailure(name, "cannot set up the block's iteration on the GPU: "
                    + EqpropNative.last_error());
        }
        long units = Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
        boolean conv = false;
        for (int k = 0; k < n; k++) {
            conv |= chain.interaction(k) instanceof ConvPoolInteraction;
        }
        CudaSession s = new CudaSession(h, name, batch, shapes, units, alternating, conv);
        for (int k = 0; k < n; k++) {
            if (EqpropNative.session_width(h, k) != chain.width(k)) {
                s.close();
                throw new IllegalStateException("the GPU session's layer " + k + " has " + EqpropNative.session_width(h,
                        k) + " units, the block " + chain.width(k));
            }
        }
        return s;
    }

    /** 0: the persistent dense kernel, 1: the layered relaxation. */
    int mode() {
        return EqpropNative.session_mode(handle.get());
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public Equilibrium free(INDArray x, INDArray params, RelaxationControl control) {
        checkOrder(control);
        if (x.size(0) != batch || x.length() != batch * inputUnits) {
            throw new IllegalArgumentException("the GPU session holds batches of " + batch + " x " + inputUnits
                    + ", got " + Arrays.toString(x.shape()));
        }
        if (params.length() != parameters) {
            throw new IllegalArgumentException("the block has " + params.length() + " parameters, the GPU session "
                    + parameters);
        }
        epoch++;
        nextSlot = 1;
        lastForce = null;
        int top = shapes.length - 1;
        INDArray output = Nd4j.createUninitialized(DataType.FLOAT, batch, units(top));
        int[] stats = new int[4];
        check(EqpropNative.session_free_phase(handle.get(), pointer(contiguous(x)), pointer(contiguous(params)),
                control.maxSteps(), (float) control.tolerance(), pointer(output), stats), "the free phase");
        return equilibrium(0, output, stats, control);
    }

    @Override
    public boolean accepts(NudgingForce force) {
        return force instanceof SquaredErrorForce || force instanceof SoftmaxReadoutForce
                || force instanceof HeldForce;
    }

    @Override
    public Equilibrium nudged(NudgingForce force, double beta, RelaxationControl control) {
        checkOrder(control);
        if (epoch == 0) {
            throw new IllegalStateException("a nudged phase needs the free phase first");
        }
        long h = handle.get();
        if (force != lastForce) {
            int top = shapes.length - 1;
            int code;
            if (force instanceof SquaredErrorForce f) {
                code = EqpropNative.session_set_force(h, 1, pointer(rows(f.labels(), units(top))), 0, null, null,
                        (float) f.scale());
            } else if (force instanceof SoftmaxReadoutForce f) {
                int classes = (int) f.weights().size(1);
                code = EqpropNative.session_set_force(h, 2, pointer(rows(f.labels(), classes)), classes,
                        pointer(contiguous(f.weights())), pointer(contiguous(f.bias())), 1f);
            } else if (force instanceof HeldForce f) {
                code = EqpropNative.session_set_force(h, 3, pointer(rows(f.epsilon(), units(top))), 0, null, null, 1f);
            } else {
                throw new IllegalArgumentException("the GPU session has no form of " + force.getClass().getName());
            }
            check(code, "setting the nudging force");
            lastForce = force;
        }
        int slot = nextSlot;
        nextSlot = nextSlot == 1 ? 2 : 1;
        int[] stats = new int[4];
        check(EqpropNative.session_nudged_phase(h, slot, (float) beta, control.maxSteps(), (float) control.tolerance(),
                stats), "a nudged phase");
        return equilibrium(slot, null, stats, control);
    }

    @Override
    public void writeContrastGradient(Equilibrium a, Equilibrium b, double scale, INDArray flatGradient) {
        int sa = slotOf(a);
        int sb = slotOf(b);
        if (flatGradient.length() != parameters || flatGradient.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("the gradient array must hold " + parameters + " floats");
        }
        INDArray target = contiguous(flatGradient);
        check(EqpropNative.session_gradient(handle.get(), sa, sb, (float) scale, pointer(target)), "the gradient");
        if (target != flatGradient) {
            flatGradient.assign(target.reshape(flatGradient.shape()));
        }
    }

    @Override
    public String describe() {
        byte[] out = new byte[1024];
        int n = EqpropNative.session_describe(handle.get(), out, out.length);
        return n < 0 ? name : name + " (" + new String(out, 0, Math.min(n, out.length - 1),
                java.nio.charset.StandardCharsets.UTF_8) + ")";
    }

    @Override
    public String convolutionLibrary() {
        if (!convolutional) {
            return "none";
        }
        return (EqpropNative.session_libraries(handle.get()) & 1) != 0 ? "cudnn" : "own";
    }

    @Override
    public Traffic traffic() {
        long[] c = new long[6];
        if (EqpropNative.session_counters(handle.get(), c) != 0) {
            return Traffic.NONE;
        }
        return new Traffic(c[0], c[1], c[2], c[4]);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    private void checkOrder(RelaxationControl control) {
        if (control.alternating() != alternating) {
            throw new IllegalArgumentException("this GPU session relaxes in " + (alternating ? "alternating" :
                    "synchronous") + " order");
        }
    }

    private int slotOf(Equilibrium e) {
        if (!(e.location() instanceof Slot s) || s.session() != this || s.epoch() != epoch) {
            throw new IllegalArgumentException("the equilibrium " + e + " is not one of this session's current phases");
        }
        return s.index();
    }

    private long units(int layer) {
        long u = 1;
        for (int d = 1; d < shapes[layer].length; d++) {
            u *= shapes[layer][d];
        }
        return u;
    }

    private Equilibrium equilibrium(int slot, INDArray output, int[] stats, RelaxationControl control) {
        int steps = stats[0];
        float residual = Float.intBitsToFloat(stats[1]);
        if (stats[3] != 0) {
            throw new RelaxationException("the relaxation produced NaN or infinite states after " + steps + " steps: "
                    + "the weights or beta are too large for these dynamics (lower the learning rate or beta)");
        }
        boolean converged = !control.stopsEarly() || stats[2] != 0;
        Slot where = new Slot(this, epoch, slot);
        // a nudged phase's output is read, with all its states, only if someone asks
        return Equilibrium.resident(() -> readStates(where), output, where, steps, residual, converged);
    }

    private INDArray[] readStates(Slot where) {
        if (where.epoch() != epoch) {
            throw new IllegalStateException("the states of " + where + " were overwritten by a later iteration");
        }
        long total = 0;
        for (int k = 0; k < shapes.length; k++) {
            total += batch * units(k);
        }
        INDArray all = Nd4j.createUninitialized(DataType.FLOAT, total);
        check(EqpropNative.session_read_states(handle.get(), where.index(), pointer(all)), "reading states");
        INDArray[] out = new INDArray[shapes.length];
        long at = 0;
        for (int k = 0; k < shapes.length; k++) {
            long size = batch * units(k);
            out[k] = all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + size)).dup().reshape('c',
                    shapes[k]);
            at += size;
        }
        return out;
    }

    private void check(int code, String what) {
        if (code == 0) {
            return;
        }
        String why = EqpropNative.last_error();
        if (code == -1) {
            throw new IllegalArgumentException(what + " on the GPU was refused: " + why);
        }
        throw new AcceleratorFailure(name, what + " failed on the GPU: " + why);
    }

    /** A float32 array as [rows, width] in row-major order (labels may come as views or in 'f' order). */
    private INDArray rows(INDArray a, long width) {
        if (a.length() != batch * width) {
            throw new IllegalArgumentException("the force's data must be [" + batch + ", " + width + "], got "
                    + Arrays.toString(a.shape()));
        }
        return contiguous(a);
    }

    /** a itself when it is a dense row-major float32 array, else a row-major float32 copy. */
    static INDArray contiguous(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (f.ordering() != 'c' || !Shape.hasDefaultStridesForShape(f) || f.data().length() < f.length()) {
            f = f.dup('c');
        }
        return f;
    }

    /** The address of a dense row-major float32 array's first element (checked against the array). */
    static FloatPointer pointer(INDArray a) {
        if (a == null) {
            return null;
        }
        FloatPointer p = new FloatPointer(a.data().addressPointer());
        if (a.length() > 0) {
            float first = a.getFloat(0);
            float seen = p.get(0);
            if (Float.floatToRawIntBits(first) != Float.floatToRawIntBits(seen)) {
                throw new IllegalStateException("ND4J's buffer address does not point at the array's first element");
            }
        }
        return p;
    }
}
