package org.eqprop.training;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * Cosine annealing of a learning rate (Loshchilov &amp; Hutter 2017), as PyTorch's {@code CosineAnnealingLR} computes it
 * and Laborieux et al. 2021 use it: η(t) = η_min + ½ (η_max − η_min)(1 + cos(π t / T_max)), with t the epoch or
 * iteration. Like PyTorch's closed form it is periodic: past T_max the rate rises again.
 */
public class CosineAnnealingSchedule implements ISchedule {

    private final ScheduleType scheduleType;
    private final double initialValue;
    private final double minValue;
    private final int period;

    /**
     * @param scheduleType per EPOCH or per ITERATION
     * @param initialValue η_max, the value at t = 0
     * @param minValue     η_min, the value at t = T_max
     * @param period       T_max
     */
    public CosineAnnealingSchedule(@JsonProperty("scheduleType") ScheduleType scheduleType,
                                   @JsonProperty("initialValue") double initialValue,
                                   @JsonProperty("minValue") double minValue,
                                   @JsonProperty("period") int period) {
        if (period < 1) {
            throw new IllegalArgumentException("cosine annealing period must be >= 1, got " + period);
        }
        this.scheduleType = scheduleType;
        this.initialValue = initialValue;
        this.minValue = minValue;
        this.period = period;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        int t = scheduleType == ScheduleType.ITERATION ? iteration : epoch;
        return minValue + 0.5 * (initialValue - minValue) * (1 + Math.cos(Math.PI * t / period));
    }

    @Override
    public ISchedule clone() {
        return new CosineAnnealingSchedule(scheduleType, initialValue, minValue, period);
    }

    public ScheduleType getScheduleType() {
        return scheduleType;
    }

    public double getInitialValue() {
        return initialValue;
    }

    public double getMinValue() {
        return minValue;
    }

    public int getPeriod() {
        return period;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineAnnealingSchedule c && c.scheduleType == scheduleType
                && c.initialValue == initialValue && c.minValue == minValue && c.period == period;
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheduleType, initialValue, minValue, period);
    }

    @Override
    public String toString() {
        return "CosineAnnealingSchedule(" + scheduleType + ", " + initialValue + " -> " + minValue + " over " + period
                + ")";
    }
}
