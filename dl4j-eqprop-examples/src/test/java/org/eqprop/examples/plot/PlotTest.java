package org.eqprop.examples.plot;

import org.eqprop.graph.DirectedGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PNGs decode, have the documented size and show the series' colours. */
class PlotTest {

    /** Pixels of exactly this RGB colour. */
    static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void linePlotWritesADecodablePngOfItsSize(@TempDir Path dir) throws IOException {
        double[] ramp = new double[80];
        double[] wave = new double[80];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = i * 0.5;
            wave[i] = 20 + 10 * Math.sin(i / 5.0);
        }
        wave[40] = Double.NEGATIVE_INFINITY; // log10(0): a gap, not a broken axis
        Path file = dir.resolve("sub").resolve("p.png");
        new LinePlot("title", "epoch").add("ramp", ramp, false, 0).add("wave", wave, true, 1)
                .xValues(java.util.stream.IntStream.rangeClosed(1, 80).asDoubleStream().toArray())
                .legend("dashed: wave").write(file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, "a PNG ImageIO decodes");
        assertEquals(LinePlot.WIDTH, img.getWidth());
        assertEquals(LinePlot.HEIGHT, img.getHeight());
        assertTrue(count(img, 0x1f77b4) > 50, "the first series in the first palette colour");
        assertTrue(count(img, 0xd62728) > 50, "the second series in the second palette colour");
        assertEquals(0, count(img, 0x2ca02c), "no third colour without a third series");
    }

    @Test
    void emptyAndSinglePointPlotsStillRender(@TempDir Path dir) throws IOException {
        new LinePlot("nothing", "x").write(dir.resolve("empty.png"));
        new LinePlot("one", "x").add("a", new double[]{3}, false, 2).write(dir.resolve("one.png"));
        for (String name : new String[]{"empty.png", "one.png"}) {
            BufferedImage img = ImageIO.read(dir.resolve(name).toFile());
            assertEquals(LinePlot.WIDTH, img.getWidth(), name);
        }
    }

    @Test
    void graphPlotWritesADecodablePng(@TempDir Path dir) throws IOException {
        DirectedGraph g = new DirectedGraph(6, 2, 1, 0.5, 1);
        Path file = dir.resolve("g.png");
        GraphPlot.write(g, "graph", file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(GraphPlot.SIZE, img.getWidth());
        assertEquals(GraphPlot.SIZE, img.getHeight());
        assertTrue(count(img, 0x2ca02c) > 100, "input neurons drawn green");
    }
}
