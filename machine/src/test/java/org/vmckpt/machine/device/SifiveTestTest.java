package org.vmckpt.machine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.state.StateFormatException;

class SifiveTestTest {
    private final List<String> events = new ArrayList<>();
    private final SifiveTest finisher = new SifiveTest(new PowerControl() {
        @Override
        public void powerOff(int exitCode) {
            events.add("off " + exitCode);
        }

        @Override
        public void reboot() {
            events.add("reset");
        }
    });

    @Test
    void passFailAndResetCommands() {
        finisher.write(0, 4, 0x5555);
        finisher.write(0, 4, 0x3333 | (42 << 16));
        finisher.write(0, 4, 0x7777);
        assertEquals(List.of("off 0", "off 42", "reset"), events);
    }

    @Test
    void otherValuesOffsetsAndSizesAreIgnored() {
        finisher.write(0, 4, 0x1234);
        finisher.write(4, 4, 0x5555);
        finisher.write(0, 1, 0x55);
        finisher.write(-8, 8, 0x5555);
        assertEquals(List.of(), events);
        assertEquals(0, finisher.read(0, 4));
    }

    @Test
    void emptyStateRecordRoundTripsAndRejectsGarbage() throws StateFormatException {
        byte[] saved = StateRoundTrip.save(finisher);
        assertArrayEquals(new byte[0], saved);
        StateRoundTrip.load(finisher, saved);
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(finisher, new byte[] {1}));
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(finisher, saved, 2));
    }
}
