package org.eqprop.examples.plot;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal line chart written as PNG with Java2D (no plotting dependency): solid or dashed series over x = 0..n−1, or
 * over the x values given to {@link #xValues}, or each over its own x values ({@link #add(String, double[], double[],
 * boolean, int)}: e.g. runs whose epochs end at different times), on linear axes.
 */
public final class LinePlot {

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

    /**
     * Adds a series with its own x values (one per y value; the x axis then spans every series' values and gets
     * evenly spaced ticks instead of one per point).
     */
    public LinePlot add(String label, double[] x, double[] y, boolean dashed, int color) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + label + ": " + x.length + " x values for " + y.length
                    + " y values");
        }
        series.add(new Series(label, x.clone(), y.clone(), dashed, color));
        return this;
    }

    /** The x axis starts at 0 (or below, for negative x values), with evenly spaced ticks. */
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
        int w = 760;
        int h = 460;
        int left = 80;
        int right = 20;
        int top = 40;
        int bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int n = 1;
        for (Series s : series) {
            for (double v : s.y) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            n = Math.max(n, s.y.length);
        }
        if (!(max > min)) {
            max = min + 1;
        }
        double pad = 0.05 * (max - min);
        min -= pad;
        max += pad;
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 4; i++) {
            double v = min + (max - min) * i / 4;
            int y = top + ph - (int) Math.round(ph * (v - min) / (max - min));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left + 1, y, left + pw - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3g", v), 8, y + 4);
        }
        double[] at = new double[n];
        for (int i = 0; i < n; i++) {
            at[i] = xs != null && i < xs.length ? xs[i] : i;
        }
        boolean ownX = xFromZero || series.stream().anyMatch(s -> s.x != null);
        double x0v = at[0];
        double x1v = at[n - 1];
        if (ownX) {
            x0v = xFromZero ? 0 : Double.POSITIVE_INFINITY;
            x1v = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                for (int i = 0; i < s.y.length; i++) {
                    x0v = Math.min(x0v, xOf(s, i, at));
                    x1v = Math.max(x1v, xOf(s, i, at));
                }
            }
            if (!(x1v > x0v)) {
                x1v = x0v + 1;
            }
        }
        double spanX = Math.max(1e-12, x1v - x0v);
        int[] px = new int[n];
        for (int i = 0; i < n; i++) {
            px[i] = left + (n == 1 && !ownX ? 0 : (int) Math.round(pw * (at[i] - x0v) / spanX));
            if (ownX || n > 12 && i % ((n + 9) / 10) != 0 && i != n - 1) {
                continue; // about ten labelled ticks on long series
            }
            g.drawLine(px[i], top + ph, px[i], top + ph + 4);
            String label = at[i] == Math.rint(at[i]) ? Long.toString((long) at[i])
                    : String.format(Locale.ROOT, "%.3g", at[i]);
            g.drawString(label, px[i] - 3, top + ph + 18);
        }
        if (ownX) {
            double step = niceStep(spanX / 6);
            int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
            for (double t = Math.ceil(x0v / step - 1e-9) * step; t <= x1v + 1e-9 * step; t += step) {
                int x = left + (int) Math.round(pw * (t - x0v) / spanX);
                g.setColor(new Color(230, 230, 230));
                g.drawLine(x, top + 1, x, top + ph - 1);
                g.setColor(Color.BLACK);
                g.drawLine(x, top + ph, x, top + ph + 4);
                double v = Math.abs(t) < 1e-9 * step ? 0 : t;
                String label = String.format(Locale.ROOT, "%." + decimals + "f", v);
                g.drawString(label, x - 3, top + ph + 18);
            }
        }
        g.drawString(xLabel, left + pw / 2 - 20, h - 20);
        for (Series s : series) {
            g.setColor(PALETTE[s.color % PALETTE.length]);
            g.setStroke(s.dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                    new float[]{6f, 5f}, 0f) : new BasicStroke(1.5f));
            int[] sx = new int[s.y.length];
            for (int i = 0; i < s.y.length; i++) {
                sx[i] = s.x == null ? px[i] : left + (int) Math.round(pw * (s.x[i] - x0v) / spanX);
            }
            for (int i = 0; i < s.y.length && s.y.length <= 50; i++) {
                int y = top + ph - (int) Math.round(ph * (s.y[i] - min) / (max - min));
                g.fillOval(sx[i] - 3, y - 3, 6, 6);
            }
            for (int i = 1; i < s.y.length; i++) {
                int x0 = sx[i - 1];
                int x1 = sx[i];
                int y0 = top + ph - (int) Math.round(ph * (s.y[i - 1] - min) / (max - min));
                int y1 = top + ph - (int) Math.round(ph * (s.y[i] - min) / (max - min));
                g.drawLine(x0, y0, x1, y1);
            }
        }
        int row = 0;
        for (Series s : series) {
            int y = top + 34 + 15 * row++;
            g.setColor(PALETTE[s.color % PALETTE.length]);
            g.setStroke(s.dashed ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f,
                    new float[]{6f, 5f}, 0f) : new BasicStroke(1.5f));
            g.drawLine(left + pw - 150, y - 4, left + pw - 122, y - 4);
            g.drawString(s.label, left + pw - 116, y);
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f));
        g.drawString(legend, left + 8, top + 16);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        org.eqprop.io.AtomicFiles.write(file, bytes.toByteArray());
    }

    private static double xOf(Series s, int i, double[] shared) {
        return s.x != null ? s.x[i] : shared[i];
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= raw * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
