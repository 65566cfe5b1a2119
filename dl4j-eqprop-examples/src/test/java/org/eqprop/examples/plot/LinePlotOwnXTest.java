package org.eqprop.examples.plot;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Series with their own x values: each is drawn over its own span of a shared linear x axis. */
class LinePlotOwnXTest {

    @Test
    void aSeriesEndsWhereItsXValuesEnd(@TempDir Path dir) throws Exception {
        LinePlot p = new LinePlot("own x", "time").xFromZero()
                .add("blue", new double[]{2, 6, 10}, new double[]{0.9, 0.2, 0.1}, false, 0)
                .add("red", new double[]{5, 20}, new double[]{0.5, 0.3}, false, 1);
        JFreeChart chart = p.chart();
        XYPlot plot = chart.getXYPlot();
        XYDataset d = plot.getDataset();
        assertEquals(3, d.getItemCount(0));
        assertEquals(2, d.getXValue(0, 0));
        assertEquals(10, d.getXValue(0, 2));
        assertEquals(5, d.getXValue(1, 0));
        assertEquals(20, d.getXValue(1, 1));
        assertEquals(0, plot.getDomainAxis().getLowerBound(), 1e-12, "the x axis starts at zero");
        assertEquals(20, plot.getDomainAxis().getUpperBound(), 1.0, "and spans every series");

        Path file = dir.resolve("own-x.png");
        p.write(file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img);
        assertEquals(LinePlot.WIDTH, img.getWidth());
        assertEquals(LinePlot.HEIGHT, img.getHeight());
    }

    @Test
    void xAndYMustPair() {
        assertThrows(IllegalArgumentException.class, () -> new LinePlot("t", "x").add("s", new double[]{1, 2},
                new double[]{1}, false, 0));
    }
}
