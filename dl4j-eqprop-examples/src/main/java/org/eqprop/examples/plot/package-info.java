/**
 * PNG plots for the command line's reports.
 * <ul>
 *   <li>{@link org.eqprop.examples.plot.LinePlot}: a line chart (JFreeChart) of solid or dashed series (e.g. learning
 *       curves, EqProp-vs-BPTT step series, memory versus T);</li>
 *   <li>{@link org.eqprop.examples.plot.GraphPlot}: a directed graph on a circle (Java2D), like Farinha et al. 2020,
 *       Fig. 2, each connection an arrow whose opacity is proportional to |W_ij| (blue positive, red negative).</li>
 * </ul>
 */
package org.eqprop.examples.plot;
