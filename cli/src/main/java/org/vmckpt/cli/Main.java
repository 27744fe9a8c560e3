package org.vmckpt.cli;

/** The {@code vmckpt} command: dispatches to subcommands and turns errors into messages and exit codes. */
public final class Main {
    static final String HELP = """
            vmckpt: a RISC-V virtual machine monitor with live, lightweight checkpoints.

            Usage: vmckpt COMMAND [OPTIONS]

            Commands:
              run        boot a VM (default: the Debian riscv64 guest) with the terminal as its console
              restore    continue a checkpointed VM, with the terminal as its console

            Run 'vmckpt COMMAND --help' for the options of a command.
            """;

    public static void main(String[] argv) {
        System.exit(dispatch(argv));
    }

    static int dispatch(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.print(HELP);
            return argv.length == 0 ? 2 : 0;
        }
        try {
            switch (argv[0]) {
                case "run":
                    return RunCommand.run(argv);
                case "restore":
                    return RestoreCommand.run(argv);
                default:
                    throw new UsageException("unknown command '" + argv[0] + "'; commands: run (see vmckpt --help)");
            }
        } catch (CommandFailedException e) {
            System.err.println("vmckpt: " + e.getMessage());
            return 1;
        } catch (UsageException e) {
            System.err.println("vmckpt: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("vmckpt: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace();
            return 1;
        }
    }
}
