package org.eqprop.examples.plot;

import org.eqprop.graph.DirectedGraph;

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

/**
 * A directed graph drawn as PNG (like Farinha et al. 2020, Fig. 2): neurons on a circle (inputs green, hidden grey,
 * outputs blue), each remaining connection an arrow whose opacity is proportional to |W_ij| (blue positive, red
 * negative); pruned connections are not drawn.
 *
 * <p>Drawn with Java2D rather than JFreeChart (which {@link LinePlot} uses): JFreeChart has no graph layout, so the
 * circle layout and the arrowheads would still be computed here, and a chart would only add hidden axes, fixed
 * ranges and one annotation object per edge and per neuron, for no more code saved than the few lines of drawing.
 */
public final class GraphPlot {

    /** The PNG's width and height. */
    static final int SIZE = 560;

    private GraphPlot() {
    }

    public static void write(DirectedGraph g, String title, Path file) throws IOException {
        int size = SIZE;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D gr = img.createGraphics();
        gr.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        gr.setColor(Color.WHITE);
        gr.fillRect(0, 0, size, size);
        int n = g.neurons();
        double[] x = new double[n];
        double[] y = new double[n];
        double radius = size * 0.36;
        for (int k = 0; k < n; k++) {
            double angle = Math.PI + 2 * Math.PI * k / n;
            x[k] = size / 2.0 + radius * Math.cos(angle);
            y[k] = size / 2.0 + 20 + radius * Math.sin(angle);
        }
        double max = 1e-12;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (g.connected(i, j)) {
                    max = Math.max(max, Math.abs(g.weight(i, j)));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (!g.connected(i, j) || j < g.inputs()) {
                    continue; // connections into clamped inputs carry nothing in
                }
                double wv = g.weight(i, j);
                int alpha = (int) Math.round(255 * Math.min(1, Math.abs(wv) / max));
                gr.setColor(wv >= 0 ? new Color(31, 119, 180, alpha) : new Color(214, 39, 40, alpha));
                gr.setStroke(new BasicStroke(2f));
                double dx = x[j] - x[i];
                double dy = y[j] - y[i];
                double len = Math.hypot(dx, dy);
                double ex = x[j] - dx / len * 16;
                double ey = y[j] - dy / len * 16;
                gr.drawLine((int) x[i], (int) y[i], (int) ex, (int) ey);
                double a = Math.atan2(dy, dx);
                int[] hx = {(int) ex, (int) (ex - 9 * Math.cos(a - 0.4)), (int) (ex - 9 * Math.cos(a + 0.4))};
                int[] hy = {(int) ey, (int) (ey - 9 * Math.sin(a - 0.4)), (int) (ey - 9 * Math.sin(a + 0.4))};
                gr.fillPolygon(hx, hy, 3);
            }
        }
        gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int k = 0; k < n; k++) {
            boolean input = k < g.inputs();
            boolean output = k >= n - g.outputs();
            gr.setColor(input ? new Color(44, 160, 44) : output ? new Color(31, 119, 180) : Color.GRAY);
            gr.fillOval((int) x[k] - 14, (int) y[k] - 14, 28, 28);
            gr.setColor(Color.WHITE);
            gr.drawString(input ? "x" + (k + 1) : output ? "y" : "h" + (k - g.inputs() + 1), (int) x[k] - 7,
                    (int) y[k] + 5);
        }
        gr.setColor(Color.BLACK);
        gr.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        gr.drawString(title + String.format(java.util.Locale.ROOT, "  (sparsity %.1f%%)", 100 * g.sparsity()), 16,
                24);
        gr.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        org.eqprop.io.AtomicFiles.write(file, bytes.toByteArray());
    }
}
