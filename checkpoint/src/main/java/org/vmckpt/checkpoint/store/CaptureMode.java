package org.vmckpt.checkpoint.store;

/** How the machine was captured: stopped for the whole save, or paused briefly and saved while running. */
public enum CaptureMode {
    STOP(0),
    LIVE(1);

    final int code;

    CaptureMode(int code) {
        this.code = code;
    }

    static CaptureMode ofCode(int code) {
        for (CaptureMode m : values()) {
            if (m.code == code) return m;
        }
        return null;
    }
}
