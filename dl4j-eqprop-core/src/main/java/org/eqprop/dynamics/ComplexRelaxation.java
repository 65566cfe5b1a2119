package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.eqprop.layers.States;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The relaxation of complex states at a complex nudge β = βr + iβi, the phases of holomorphic EqProp (Laborieux
 * &amp; Zenke, NeurIPS 2022):
 * <pre>
 *   s_{t+1} = σ(∂Φ/∂s(θ, x, s_t) − β ∂C/∂s(s_t)),   s = a + ib,
 * </pre>
 * with σ and ∂C/∂s extended holomorphically ({@link org.eqprop.layers.StateActivation#applyComplexInPlace},
 * {@link NudgingForce#addComplexTo}). For a bilinear Φ ({@link org.eqprop.interactions.Interaction#isBilinear}) the
 * drive is affine in the states, so it splits into the real drive of the real parts and the linear part of the drive
 * of the imaginary parts: ∂Φ/∂s(a + ib) = D(a) + i (D₀(b) − D₀(0)), where D₀ is the drive with the input drive set
 * to zero (the clamped input and the biases are real). A step therefore costs two real drive evaluations plus the
 * complex activation: about twice a real step.
 *
 * <p>This is the reference form, in any data type, one ND4J operation per interaction and layer, synchronous or
 * alternating order, for the fixed-point dynamics. A phase at a real β gives real states: run it on a real engine.
 */
public final class ComplexRelaxation {

    public static final ComplexRelaxation INSTANCE = new ComplexRelaxation();

    private ComplexRelaxation() {
    }

    /**
     * Why this system cannot relax complex states, or null when it can: the activation must be holomorphic, the
     * dynamics the fixed-point iteration, every interaction bilinear and the force (if any) holomorphic.
     */
    public String unsupported(EnergyChain chain, NudgingForce force) {
        if (!chain.activation().isHolomorphic()) {
            return "activation " + chain.activation() + " is not holomorphic (its kinks have no complex derivative); "
                    + "use the sigmoid, logistic or tanh activation";
        }
        if (chain.dynamics().kind() != Dynamics.Kind.FIXED_POINT) {
            return "dynamics " + chain.dynamics().name() + " clip the states; holomorphic EqProp needs the "
                    + "fixed-point dynamics";
        }
        for (int k = 0; k < chain.depth(); k++) {
            if (!chain.interaction(k).isBilinear()) {
                return "interaction " + (k + 1) + " (" + chain.interaction(k).getClass().getSimpleName()
                        + ") is not bilinear in the states (max pooling or vector-field feedback)";
            }
        }
        if (force != null && !force.isHolomorphic()) {
            return "the nudging force " + force.getClass().getSimpleName() + " has no holomorphic extension; use a "
                    + "squared-error output, a softmax cross-entropy readout or nudgingForce(\"held\")";
        }
        return null;
    }

    /**
     * Relaxes from real states {@code start} (imaginary parts zero) with the force at β = betaRe + i·betaIm.
     *
     * @throws IllegalArgumentException when {@link #unsupported} names a reason
     * @throws RelaxationException      when the states become NaN or infinite (a pole of σ, or too large a β)
     */
    public ComplexEquilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                                    double betaRe, double betaIm, RelaxationControl control) {
        return relax(chain, inputDrive, start, null, force, betaRe, betaIm, control);
    }

    /**
     * Relaxes from complex states {@code startRe} + i·{@code startIm} ({@code startIm} null: zero) with the force at
     * β = betaRe + i·betaIm: the continuation of a phase whose nudge changes (the oscillating nudge).
     */
    public ComplexEquilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] startRe, INDArray[] startIm,
                                    NudgingForce force, double betaRe, double betaIm, RelaxationControl control) {
        String why = unsupported(chain, force);
        if (why != null) {
            throw new IllegalArgumentException("complex relaxation: " + why);
        }
        int n = chain.depth();
        INDArray[] re = new INDArray[n];
        INDArray[] im = new INDArray[n];
        for (int k = 0; k < n; k++) {
            re[k] = startRe[k].dup('c');
            im[k] = startIm == null ? Nd4j.zeros(startRe[k].dataType(), startRe[k].shape()) : startIm[k].dup('c');
        }
        INDArray[] start = startRe;
        // D₀(0): the biases, to take off the drive of the imaginary parts
        INDArray zeroInput = Nd4j.zeros(inputDrive.dataType(), inputDrive.shape());
        INDArray[] offset = new INDArray[n];
        chain.drives(zeroInput, chain.zeroStates(start[0].size(0), start[0].dataType()), offset);
        INDArray[] uRe = new INDArray[n];
        INDArray[] uIm = new INDArray[n];
        // the states on the host as the activation wrote them: the residual is taken there, without ND4J temporaries
        double[][] hostRe = new double[n][];
        double[][] hostIm = new double[n][];
        double residual = Double.NaN;
        int t = 0;
        boolean converged = !control.stopsEarly();
        while (t < control.maxSteps()) {
            t++;
            residual = 0;
            for (int parity : control.alternating() ? new int[]{0, 1} : new int[]{-1}) {
                if (parity < 0) {
                    chain.drives(inputDrive, re, uRe);
                    chain.drives(zeroInput, im, uIm);
                } else {
                    chain.drives(inputDrive, re, uRe, parity);
                    chain.drives(zeroInput, im, uIm, parity);
                }
                if (force != null && uRe[n - 1] != null) {
                    force.addComplexTo(States.rows(uRe[n - 1]), States.rows(uIm[n - 1]), States.rows(re[n - 1]),
                            States.rows(im[n - 1]), betaRe, betaIm);
                }
                for (int k = 0; k < n; k++) {
                    if (uRe[k] == null) {
                        continue;
                    }
                    uIm[k].subi(offset[k]);
                    double[] a = flat(uRe[k]);
                    double[] b = flat(uIm[k]);
                    chain.activation().applyComplexInPlace(a, b);
                    if (hostRe[k] == null) {
                        hostRe[k] = flat(re[k]);
                        hostIm[k] = flat(im[k]);
                    }
                    residual = Math.max(residual, Math.max(maxAbsDiff(a, hostRe[k]), maxAbsDiff(b, hostIm[k])));
                    hostRe[k] = a;
                    hostIm[k] = b;
                    re[k] = array(a, re[k]);
                    im[k] = array(b, im[k]);
                }
            }
            if (!Double.isFinite(residual)) {
                break;
            }
            if (control.stopsEarly() && residual <= control.tolerance()) {
                converged = true;
                break;
            }
        }
        boolean finite = Double.isFinite(residual);
        for (int k = 0; k < n && finite; k++) {
            finite = Phases.allFinite(re[k]) && Phases.allFinite(im[k]);
        }
        if (!finite) {
            throw new RelaxationException("the complex relaxation at beta = " + betaRe + (betaIm < 0 ? " - " : " + ")
                    + Math.abs(betaIm) + "i produced NaN or infinite states after " + t + " steps: a pole of the "
                    + "complex sigmoid was reached; lower |beta| (the contour radius) or the weights");
        }
        return new ComplexEquilibrium(re, im, t, residual, converged);
    }

    private static double[] flat(INDArray a) {
        return (a.isView() || a.ordering() != 'c' ? a.dup('c') : a).reshape(a.length()).toDoubleVector();
    }

    /** The host values as an array of {@code like}'s shape and data type. */
    private static INDArray array(double[] v, INDArray like) {
        if (like.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
            return Nd4j.create(v, like.shape(), 'c');
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Nd4j.create(f, like.shape(), 'c').castTo(like.dataType());
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            m = d > m || Double.isNaN(d) ? d : m;
        }
        return m;
    }

    public String name() {
        return "complex-reference";
    }
}
