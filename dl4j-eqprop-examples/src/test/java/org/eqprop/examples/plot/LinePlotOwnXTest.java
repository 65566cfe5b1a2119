package org.eqprop.examples.plot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Series with their own x values: each is drawn over its own span of a shared linear x axis. */
class LinePlotOwnXTest {

    // the plot area of LinePlot's 760×460 image: x from 80 to 740
    private static final int LEFT = 80;
    private static final int WIDTH = 660;

    /** True when column x of the plot holds a pixel of the first palette color (blue), outside the legend. */
    private static boolean blueAt(BufferedImage img, int x) {
        for (int y = 41; y < 400; y++) {
            int rgb = img.getRGB(x, y);
            int r = (rgb >> 16) & 0xff;
            int b = rgb & 0xff;
            if (b > 150 && r < 90) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aSeriesEndsWhereItsXValuesEnd(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("own-x.png");
        // blue runs over x in [0, 10] (from 0), red over [0, 20]: blue ends at the middle of the axis
        new LinePlot("own x", "time").xFromZero()
                .add("blue", new double[]{2, 6, 10}, new double[]{0.9, 0.2, 0.1}, false, 0)
                .add("red", new double[]{5, 20}, new double[]{0.5, 0.3}, false, 1)
                .write(file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img);
        assertEquals(760, img.getWidth());
        int middle = LEFT + WIDTH / 2;
        assertTrue(blueAt(img, middle - 40), "blue is drawn before x = 10");
        assertFalse(blueAt(img, middle + 40), "blue is not drawn past x = 10");
        assertFalse(blueAt(img, LEFT + WIDTH / 10 - 8), "blue starts at x = 2, not at the axis' 0");
        assertTrue(blueAt(img, LEFT + WIDTH / 10 + 10), "blue is drawn just after x = 2");
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1, LinePlot.niceStep(0.7), 1e-12);
        assertEquals(2, LinePlot.niceStep(1.3), 1e-12);
        assertEquals(5, LinePlot.niceStep(3.4), 1e-12);
        assertEquals(10, LinePlot.niceStep(5.1), 1e-12);
        assertEquals(0.05, LinePlot.niceStep(0.05), 1e-15);
        assertEquals(200, LinePlot.niceStep(101), 1e-9);
    }

    @Test
    void xAndYMustPair() {
        assertThrows(IllegalArgumentException.class, () -> new LinePlot("t", "x").add("s", new double[]{1, 2},
                new double[]{1}, false, 0));
    }
}
