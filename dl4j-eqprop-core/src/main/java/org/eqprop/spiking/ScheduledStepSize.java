package org.eqprop.spiking;

/**
 * A step size fixed in advance: ε^t = ε_0 / t^η (O'Connor et al. 2019, eq. 8); η = 0 gives a constant step size,
 * ε_0 = 1, η = ½ the 1/√t schedule.
 */
public final class ScheduledStepSize implements StepSizeAnnealer, StepSizeAnnealer.Memory {

    private final PowerSchedule schedule;

    public ScheduledStepSize(PowerSchedule schedule) {
        this.schedule = schedule;
    }

    public PowerSchedule schedule() {
        return schedule;
    }

    @Override
    public Memory start(int neurons) {
        return this;
    }

    @Override
    public void stepSizes(float[] x, float[] eps, int from, int to, int t) {
        java.util.Arrays.fill(eps, from, to, schedule.value(t));
    }

    @Override
    public Memory copy() {
        return this;
    }

    @Override
    public String toString() {
        return "scheduled(" + schedule.initial() + "/t^" + schedule.exponent() + ")";
    }
}
