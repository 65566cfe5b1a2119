package org.eqprop.resistive;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Steady states satisfy KCL; Theorem 4.2's conductance gradient equals finite differences of the loss (double). */
class ResistiveNetworkTest {

    static ResistiveNetwork random(CircuitTopology t, long seed) {
        Random r = new Random(seed);
        double[][] g = new double[t.crossbars()][];
        for (int m = 0; m < g.length; m++) {
            g[m] = new double[t.rows(m) * t.columns(m)];
            for (int i = 0; i < g[m].length; i++) {
                g[m][i] = 0.05 + r.nextDouble();
            }
        }
        return new ResistiveNetwork(t, g);
    }

    static double[][] inputs(int batch, int n, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[batch][n];
        for (double[] row : x) {
            for (int i = 0; i < n; i++) {
                row[i] = r.nextDouble() < 0.3 ? 0 : 2 * r.nextDouble() - 1;
            }
        }
        return x;
    }

    static double[][] targets(int batch, int k, long seed) {
        Random r = new Random(seed);
        double[][] y = new double[batch][k];
        for (double[] row : y) {
            row[r.nextInt(k)] = 1;
        }
        return y;
    }

    /** Ideal diodes, one hidden layer; and piecewise-linear diodes with two hidden layers. */
    static CircuitTopology[] topologies() {
        return new CircuitTopology[]{
                new CircuitTopology(6, new int[]{5}, 3, 3.0, 2.0, 1.0, Diode.ideal(-1, 1)),
                new CircuitTopology(5, new int[]{4, 3}, 2, 3.0, 1.5, 0.5, new Diode(-0.6, 0.8, 2.0))};
    }

    @Test
    void kclHoldsAtTheSteadyStateFreeAndNudged() {
        SteadyStateSolver solver = new SteadyStateSolver(1e-13, 100_000);
        for (CircuitTopology t : topologies()) {
            ResistiveNetwork net = random(t, 1);
            double[][] x = inputs(8, t.inputs(), 2);
            double[][] y = targets(8, t.classes(), 3);
            SteadyState free = solver.free(net, x);
            assertEquals(0, free.nonConverged());
            double r = free.kclResidual(net);
            assertTrue(r < 1e-9, "free KCL residual " + r);
            for (double beta : new double[]{0.5, -0.5}) {
                SteadyState nudged = solver.nudged(net, free, y, beta);
                double rn = nudged.kclResidual(net);
                assertTrue(rn < 1e-9, "nudged KCL residual " + rn + " at beta " + beta);
            }
            // a state that is not the steady state violates KCL
            double[][] moved = free.voltages()[0].clone();
            moved[moved.length - 1] = moved[moved.length - 1].clone();
            moved[moved.length - 1][0] += 1e-3;
            assertTrue(net.kclResidual(moved, null, 0) > 1e-5);
        }
    }

    /** The steady state minimises the co-content: random feasible perturbations never lower it. */
    @Test
    void steadyStateMinimisesTheCoContent() {
        CircuitTopology t = topologies()[1];
        ResistiveNetwork net = random(t, 4);
        SteadyState s = new SteadyStateSolver(1e-13, 100_000).free(net, inputs(1, t.inputs(), 5));
        double[][] v = s.voltages()[0];
        double e0 = net.coContent(v);
        Random r = new Random(6);
        for (int trial = 0; trial < 200; trial++) {
            double[][] w = new double[v.length][];
            w[0] = v[0];
            for (int m = 1; m < v.length; m++) {
                w[m] = v[m].clone();
                for (int j = 0; j < w[m].length; j++) {
                    w[m][j] += 1e-3 * r.nextGaussian();
                }
            }
            assertTrue(net.coContent(w) >= e0 - 1e-12, "co-content decreased");
        }
    }

    @Test
    void theorem42GradientMatchesFiniteDifferences() {
        SteadyStateSolver solver = new SteadyStateSolver(1e-15, 1_000_000);
        for (CircuitTopology t : topologies()) {
            ResistiveNetwork net = random(t, 7);
            double[][] x = inputs(4, t.inputs(), 8);
            double[][] y = targets(4, t.classes(), 9);
            double beta = 1e-5;
            SteadyState free = solver.free(net, x);
            double[][] est = ConductanceGradient.estimate(t, solver.nudged(net, free, y, beta),
                    solver.nudged(net, free, y, -beta));
            double h = 1e-6;
            double num = 0;
            double den = 0;
            double worst = 0;
            for (int m = 0; m < t.crossbars(); m++) {
                for (int i = 0; i < t.rows(m); i++) {
                    for (int j = 0; j < t.columns(m); j++) {
                        double g = net.conductance(m, i, j);
                        double lp = solver.free(net.with(m, i, j, g + h), x).cost(y);
                        double lm = solver.free(net.with(m, i, j, g - h), x).cost(y);
                        double fd = (lp - lm) / (2 * h);
                        double e = est[m][i * t.columns(m) + j];
                        num += (e - fd) * (e - fd);
                        den += fd * fd;
                        worst = Math.max(worst, Math.abs(e - fd));
                    }
                }
            }
            double rel = Math.sqrt(num / den);
            assertTrue(rel < 1e-5, t + ": relative error " + rel + ", worst " + worst);
        }
    }

    @Test
    void badInputsAreRejected() {
        CircuitTopology t = topologies()[0];
        assertThrows(IllegalArgumentException.class, () -> new CircuitTopology(0, new int[]{3}, 2, 1, 1, 1,
                Diode.ideal(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> new CircuitTopology(3, new int[]{0}, 2, 1, 1, 1,
                Diode.ideal(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> new CircuitTopology(3, new int[]{3}, 2, -1, 1, 1,
                Diode.ideal(0, 1)));
        assertThrows(IllegalArgumentException.class, () -> Diode.ideal(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Diode(0, 1, 0));
        ResistiveNetwork net = random(t, 1);
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> net.with(0, 2, 1, -0.5));
        assertTrue(neg.getMessage().contains("-0.5"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> net.with(1, 0, 0, Double.NaN));
        SteadyStateSolver solver = new SteadyStateSolver(1e-12, 1000);
        assertThrows(IllegalArgumentException.class, () -> solver.free(net, new double[][]{{1, 2}}));
        double[][] nan = inputs(1, t.inputs(), 1);
        nan[0][2] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> solver.free(net, nan));
        SteadyState free = solver.free(net, inputs(2, t.inputs(), 1));
        assertThrows(IllegalArgumentException.class, () -> solver.nudged(net, free, new double[][]{{1, 0, 0}}, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SteadyStateSolver(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> new SteadyStateSolver(1e-9, 0));
        double[][] zero = new double[t.crossbars()][];
        for (int m = 0; m < zero.length; m++) {
            zero[m] = new double[t.rows(m) * t.columns(m)];
        }
        IllegalArgumentException floating = assertThrows(IllegalArgumentException.class,
                () -> new ResistiveNetwork(t, zero));
        assertTrue(floating.getMessage().contains("floating"), floating.getMessage());
    }
}
