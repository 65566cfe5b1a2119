package org.eqprop.examples.plot;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.SeriesRenderingOrder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A line chart written as PNG (760×460) with JFreeChart: solid or dashed series over x = 0..n−1, over the x values
 * given to {@link #xValues}, or each over its own x values ({@link #add(String, double[], double[], boolean, int)}:
 * e.g. runs whose epochs end at different times); a legend names the series and a subtitle explains the line styles. Non-finite values are
 * left out (a gap in the line). Rendering needs no display ({@code java.awt.headless} is set when unset).
 */
public final class LinePlot {

    static final int WIDTH = 760;
    static final int HEIGHT = 460;

    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(214, 39, 40),
            new Color(44, 160, 44), new Color(148, 103, 189), new Color(255, 127, 14), new Color(23, 190, 207)};

    /** A series; {@code x} null: the shared x values (or 0..n−1). */
    private record Series(String label, double[] x, double[] y, boolean dashed, int color) {
    }

    private final String title;
    private final String xLabel;
    private final List<Series> series = new ArrayList<>();
    private double[] xs;
    private String legend = "dashed: EqProp (symmetric)   solid: BPTT";
    private boolean xFromZero;

    public LinePlot(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    /** Adds a series; series sharing a color index share a color (e.g. EP dashed and BPTT solid of one unit). */
    public LinePlot add(String label, double[] y, boolean dashed, int color) {
        series.add(new Series(label, null, y.clone(), dashed, color));
        return this;
    }

    /** Adds a series with its own x values (one per y value). */
    public LinePlot add(String label, double[] x, double[] y, boolean dashed, int color) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + label + ": " + x.length + " x values for " + y.length
                    + " y values");
        }
        series.add(new Series(label, x.clone(), y.clone(), dashed, color));
        return this;
    }

    /** The x axis starts at 0 (or below, for negative x values). */
    public LinePlot xFromZero() {
        this.xFromZero = true;
        return this;
    }

    /** The x value of each point (ticks are labelled with them and spaced in proportion). */
    public LinePlot xValues(double... values) {
        this.xs = values.clone();
        return this;
    }

    /** The line of text explaining the line styles. */
    public LinePlot legend(String text) {
        this.legend = text;
        return this;
    }

    public void write(Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, chart(), WIDTH, HEIGHT);
        org.eqprop.io.AtomicFiles.write(file, bytes.toByteArray());
    }

    /** The chart {@link #write} draws. */
    JFreeChart chart() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setAutoPopulateSeriesShape(false);
        renderer.setDefaultShape(new Ellipse2D.Double(-3, -3, 6, 6));
        boolean integerX = true;
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            XYSeries points = new XYSeries(k + ": " + s.label, false, true); // keys unique even if labels repeat
            for (int i = 0; i < s.y.length; i++) {
                double x = s.x != null ? s.x[i] : xs != null && i < xs.length ? xs[i] : i;
                integerX &= x == Math.rint(x);
                points.add(x, Double.isFinite(s.y[i]) ? s.y[i] : Double.NaN);
            }
            data.addSeries(points);
            renderer.setSeriesPaint(k, PALETTE[s.color % PALETTE.length]);
            renderer.setSeriesStroke(k, s.dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND,
                    1f, new float[]{6f, 5f}, 0f) : new BasicStroke(1.5f));
            renderer.setSeriesShapesVisible(k, s.y.length <= 50);
        }
        renderer.setLegendItemLabelGenerator((dataset, index) -> series.get(index).label);
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, null, data, PlotOrientation.VERTICAL,
                !series.isEmpty(), false, false);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.addSubtitle(new TextTitle(legend, new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(renderer);
        plot.setSeriesRenderingOrder(SeriesRenderingOrder.FORWARD); // later series on top
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(230, 230, 230));
        plot.setRangeGridlinePaint(new Color(230, 230, 230));
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setAutoRangeIncludesZero(xFromZero);
        if (integerX) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }
}
