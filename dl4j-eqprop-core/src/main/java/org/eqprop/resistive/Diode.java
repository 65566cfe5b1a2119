package org.eqprop.resistive;

/**
 * The nonlinearity of a hidden node (Scellier thesis §4.4.1): two antiparallel diodes from the node to ground, each
 * in series with a bias voltage source, so that one diode conducts when V &gt; {@code high} and the other when
 * V &lt; {@code low}. A diode is piecewise linear with on-conductance {@code conductance} (infinite: ideal diodes,
 * which clamp V to [low, high]). Its current to ground is I_D(V) = g_D (V − high)⁺ − g_D (low − V)⁺ and its co-content
 * (Lemma 4.1) ∫ I_D dV = ½ g_D ((V − high)⁺)² + ½ g_D ((low − V)⁺)².
 */
public record Diode(double low, double high, double conductance) {

    public Diode {
        if (!(low <= high) || Double.isNaN(low) || Double.isNaN(high)) {
            throw new IllegalArgumentException("Diode: need low <= high, got low=" + low + ", high=" + high);
        }
        if (!(conductance > 0)) {
            throw new IllegalArgumentException("Diode: on-conductance must be > 0 (Infinity = ideal), got "
                    + conductance);
        }
    }

    /** Ideal diodes: the node voltage is clamped to [low, high]. */
    public static Diode ideal(double low, double high) {
        return new Diode(low, high, Double.POSITIVE_INFINITY);
    }

    public boolean isIdeal() {
        return conductance == Double.POSITIVE_INFINITY;
    }

    /**
     * The node voltage minimising ½ A V² − B V + co-content(V) (A &gt; 0: the node's total conductance, B: the
     * current its neighbours drive into it at V = 0), i.e. KCL A V − B + I_D(V) = 0 solved in closed form.
     */
    public double relax(double a, double b) {
        double u = b / a;
        if (u > high) {
            return isIdeal() ? high : (b + conductance * high) / (a + conductance);
        }
        if (u < low) {
            return isIdeal() ? low : (b + conductance * low) / (a + conductance);
        }
        return u;
    }

    /**
     * How far KCL is from holding at a node of voltage v whose resistors and amplifiers draw the current
     * {@code drawn} out of it: |drawn + I_D(v)| for real diodes; for ideal ones the diode current is free but its
     * sign is fixed (a clamped node can only push current into its source), so the violation is |drawn| inside
     * (low, high), max(drawn, 0) at high, max(−drawn, 0) at low and +∞ outside [low, high].
     */
    public double kclViolation(double v, double drawn) {
        if (!isIdeal()) {
            return Math.abs(drawn + conductance * (Math.max(v - high, 0) - Math.max(low - v, 0)));
        }
        if (v > high || v < low) {
            return Double.POSITIVE_INFINITY;
        }
        if (v == high && v == low) {
            return 0;
        }
        if (v == high) {
            return Math.max(drawn, 0);
        }
        if (v == low) {
            return Math.max(-drawn, 0);
        }
        return Math.abs(drawn);
    }

    /** The diodes' co-content ∫ I_D dV (0 for ideal diodes inside [low, high], +∞ outside). */
    public double coContent(double v) {
        if (isIdeal()) {
            return v > high || v < low ? Double.POSITIVE_INFINITY : 0;
        }
        double up = Math.max(v - high, 0);
        double down = Math.max(low - v, 0);
        return 0.5 * conductance * (up * up + down * down);
    }
}
