"""bench/cpu/pairs.py against a fixture whose answers are computed by hand (round 72).

  python3 -m unittest discover -s bench/cpu -p 'test_pairs.py'

The fixture (bench/cpu/testdata/pairs/) holds threads.py JSON: the default guest's rounds R1-R4 one file each (the
launchers' order turning in the files; R2's main run has a slow memory canary, 0.40 s against the fastest 0.09; R3's
module phase only as the marks' CPU; R4's "new" run exited 1), and batch.json, two rounds of the signed guest in one
file (the runs name their guest; a third launcher, "other", beside them). Values (run-thread CPU s, main/new):

  default  boot     R1 3.00/2.80  R2 3.20/3.10*  R3 2.90/3.00
           modules  R1 0.40/0.40  R2 0.50/0.30*  R3 0.35/0.30
           compute  R1 8.00/8.50  R2 9.00/8.00*  R3 7.00/7.50
           fork     R1 4.00/4.50  R2 3.00/2.90*  R3 5.00/4.90
  signed   fork     batch.1 6.00/5.00  batch.2 3.00/3.50
"""
import contextlib
import glob
import io
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pairs  # noqa: E402

DATA = os.path.join(HERE, "testdata", "pairs")


def files(order=("R3-default.json", "batch.json", "R1-default.json", "R4-default.json", "R2-default.json")):
    return pairs.load_files([os.path.join(DATA, f) for f in order])


class PairsTest(unittest.TestCase):
    def setUp(self):
        self.pairs, self.dropped = pairs.make_pairs(files(), "main", "new")
        self.bounds = pairs.mark_slow(self.pairs, 1.15, 2.0)

    def test_pairs_are_matched_by_round_and_ordered_by_round_number(self):
        s = pairs.summarise(self.pairs, "default", "fork", "run")
        self.assertEqual([(lab, a, b, slow) for lab, a, b, slow in s["list"]],
                         [("R1", 4.00, 4.50, False), ("R2", 3.00, 2.90, True), ("R3", 5.00, 4.90, False)])
        s = pairs.summarise(self.pairs, "signed", "fork", "run")
        self.assertEqual([(lab, a, b) for lab, a, b, _ in s["list"]], [("batch.1", 6.00, 5.00), ("batch.2", 3.00, 3.50)])

    def test_counts_and_medians_with_and_without_the_slow_host_pairs(self):
        want = {  # phase: (pairs, B lower, equal, median A, median B, quiet pairs, quiet lower, quiet medians)
            "boot": (3, 2, 0, 3.00, 3.00, 2, 1, 2.95, 2.90),
            "modules": (3, 2, 1, 0.40, 0.30, 2, 1, 0.375, 0.35),
            "compute": (3, 1, 0, 8.00, 8.00, 2, 0, 7.50, 8.00),
            "fork": (3, 2, 0, 4.00, 4.50, 2, 1, 4.50, 4.70),
        }
        for ph, w in want.items():
            s = pairs.summarise(self.pairs, "default", ph, "run")
            q = s["quiet"]
            got = (s["pairs"], s["lower"], s["equal"], s["median_a"], s["median_b"], q["pairs"], q["lower"],
                   q["median_a"], q["median_b"])
            self.assertEqual(got[:3], w[:3], ph)
            self.assertEqual(got[5:7], w[5:7], ph)
            for g, x in zip(got[3:5] + got[7:], w[3:5] + w[7:]):
                self.assertAlmostEqual(g, x, places=6, msg=ph)
        s = pairs.summarise(self.pairs, "signed", "fork", "run")
        self.assertEqual((s["pairs"], s["lower"], s["median_a"], s["median_b"]), (2, 1, 4.50, 4.25))

    def test_slow_host_is_the_canary_against_the_fastest(self):
        self.assertAlmostEqual(self.bounds[0], 0.2875)
        self.assertAlmostEqual(self.bounds[1], 0.18)
        self.assertEqual([p["label"] for p in self.pairs if p["slow"]], ["R2"])

    def test_the_fastest_is_over_every_reading_before_and_after(self):
        def run(before, after):
            return {"fork_cpu": {"run": 1.0}, "canary": [[0.25, before], [0.25, after]]}
        ps = [{"label": "R1", "a": run(0.05, 0.20), "b": run(0.09, 0.09)},
              {"label": "R2", "a": run(0.09, 0.09), "b": run(0.09, 0.09)}]
        self.assertAlmostEqual(pairs.mark_slow(ps, 1.15, 2.0)[1], 0.10)  # 2x the 0.05 walk, not 2x the runs' worst (0.09)
        self.assertEqual([p["slow"] for p in ps], [True, False])
        ps[1]["b"]["canary"][1][1] = 0.11
        pairs.mark_slow(ps, 1.15, 2.0)
        self.assertEqual([p["slow"] for p in ps], [True, True])

    def test_a_run_that_failed_leaves_its_pair_out(self):
        self.assertEqual(self.dropped, [("R4", "new", 1)])
        self.assertNotIn("R4", [p["label"] for p in self.pairs])

    def test_the_first_runs_are_each_launchers_first_in_round_order(self):
        fr = pairs.first_runs(self.pairs, "main", "new")
        self.assertEqual([(n, lab, r["fork_cpu"]["run"]) for n, lab, r, _ in fr["default"]],
                         [("main", "R1", 4.00), ("new", "R1", 4.50)])
        self.assertEqual([(n, lab, r["fork_cpu"]["run"]) for n, lab, r, _ in fr["signed"]],
                         [("main", "batch.1", 6.00), ("new", "batch.1", 5.00)])

    def test_the_other_metrics(self):
        s = pairs.summarise(self.pairs, "default", "fork", "wall")
        self.assertEqual([(a, b) for _, a, b, _ in s["list"]], [(4.50, 5.00), (3.50, 3.40), (5.50, 5.40)])
        s = pairs.summarise(self.pairs, "default", "modules", "C1")
        self.assertEqual(s["lower"], 0)  # C1 0.1/0.1 twice and 0.1/0.1 from R3's marks: all equal
        self.assertEqual(s["equal"], 3)

    def test_the_compute_phase_parts(self):
        # round 83: --phases; "gen" is mend to cstart (the marks' CPU and wall), sha256 and gzip threads.py's own figures
        run = {"mend_cpu": {"run": 10.0, "C2": 1.0}, "cstart_cpu": {"run": 16.25, "C2": 1.5}, "mend_wall": 12.0,
               "cstart_wall": 18.5, "sha256_cpu": {"run": 1.6, "C2": 0.1}, "sha256_wall": 1.7, "gzip_cpu": {"run": 5.5}}
        self.assertAlmostEqual(pairs.figure(run, "gen", "run"), 6.25)
        self.assertAlmostEqual(pairs.figure(run, "gen", "C2"), 0.5)
        self.assertAlmostEqual(pairs.figure(run, "gen", "wall"), 6.5)
        self.assertAlmostEqual(pairs.figure(run, "sha256", "C2"), 0.1)
        self.assertAlmostEqual(pairs.figure(run, "sha256", "wall"), 1.7)
        self.assertAlmostEqual(pairs.figure(run, "gzip", "run"), 5.5)
        self.assertIsNone(pairs.figure(run, "gzip", "wall"))
        self.assertIsNone(pairs.figure({"mend_cpu": {"run": 1.0}}, "gen", "run"))
        import json, tempfile
        with tempfile.TemporaryDirectory() as d:
            other = dict(run, cstart_cpu={"run": 16.0, "C2": 1.5}, gzip_cpu={"run": 5.0})
            path = os.path.join(d, "R1-default.json")
            with open(path, "w") as f:
                json.dump({"main": [dict(run, exit=0, guest="default")], "new": [dict(other, exit=0, guest="default")]}, f)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                pairs.main([path, "--a", "main", "--b", "new", "--phases", "gen,sha256,gzip"])
            text = out.getvalue()
        self.assertIn("default gen: R1 6.25/6.00", text)
        self.assertIn("default gzip: R1 5.50/5.00", text)
        self.assertIn("default main (R1): gen 6.25, sha256 1.60, gzip 5.50", text)
        self.assertNotIn("default boot", text)

    def test_the_order_within_a_round_and_the_sign_test(self):
        # round 84: R1 and R3 ran main first, R2 new first (R4 left out: new exit 1); batch.json new, main, other
        o = pairs.order_counts(self.pairs, "default", "fork", "run")  # R1 4.00 then 4.50, R2 2.90 then 3.00, R3 5.00 then 4.90
        self.assertEqual((o["pairs"], o["first_higher"], o["first_lower"], o["equal"]), (3, 1, 2, 0))
        self.assertAlmostEqual(o["median_diff"], 0.10)
        o = pairs.order_counts(self.pairs, "signed", "fork", "run")  # batch.1 new 5.00 then main 6.00, batch.2 3.50 then 3.00
        self.assertEqual((o["first_higher"], o["first_lower"]), (1, 1))
        self.assertAlmostEqual(o["median_diff"], 0.25)
        pos = pairs.positions(files(), "default", "fork", "run")  # every run that exited 0, R4's main too
        self.assertEqual({k: sorted(v) for k, v in pos.items()}, {1: [1.00, 2.90, 4.00, 5.00], 2: [3.00, 4.50, 4.90]})
        pos = pairs.positions(files(), "signed", "fork", "run")
        self.assertEqual({k: sorted(v) for k, v in pos.items()}, {1: [3.50, 5.00], 2: [3.00, 6.00], 3: [0.10, 0.10]})
        # the canary beside the higher run: default modules R2 main 0.50 (ALU 0.26 after it) / new 0.30 (0.25): the same
        # side; R1 0.40/0.40 and R3 0.35/0.30 within 0.1 s; default fork R1 4.00/4.50 with equal canaries: a tie
        self.assertEqual(pairs.canary_sides(self.pairs, "default", "modules", "run"),
                         {"differing": 1, "same": 1, "other": 0, "tie": 0})
        self.assertEqual(pairs.canary_sides(self.pairs, "default", "fork", "run", margin=0.2),
                         {"differing": 1, "same": 0, "other": 0, "tie": 1})
        flipped = [dict(p, a=p["b"], b=p["a"]) for p in self.pairs]  # the sides swapped: the same answer
        self.assertEqual(pairs.canary_sides(flipped, "default", "modules", "run")["same"], 1)
        self.assertAlmostEqual(pairs.sign_p(8, 3), 0.2265625)  # 2 x (1 + 11 + 55 + 165) / 2048
        self.assertAlmostEqual(pairs.sign_p(0, 7), 0.015625)
        self.assertEqual(pairs.sign_p(0, 0), 1.0)
        self.assertEqual(pairs.sign_p(3, 3), 1.0)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            pairs.main([os.path.join(DATA, f) for f in ("R2-default.json", "R1-default.json", "R3-default.json",
                                                          "R4-default.json", "batch.json")] + ["--a", "main", "--b", "new", "--order"])
        text = out.getvalue()
        self.assertIn("order default fork: B lower 2, higher 1, equal 0: p 1.000 (without slow-host: lower 1, higher 1: "
                      "p 1.000); first ran higher 1, lower 2, equal 0: p 1.000, second - first median +0.100", text)
        self.assertIn("place default fork: 1: 3.45 (4), 2: 4.50 (3)", text)
        self.assertIn("canary default modules: of 1 pairs differing by more than 0.1 s, the higher run had the slower ALU "
                      "canary in 1, the faster in 0, the same in 0", text)
        self.assertIn("place signed fork: 1: 4.25 (2), 2: 4.50 (2), 3: 0.10 (2)", text)

    def test_the_command_line(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            pairs.main([os.path.join(DATA, f) for f in ("R2-default.json", "R1-default.json", "R3-default.json",
                                                          "R4-default.json", "batch.json")] + ["--a", "main", "--b", "new"])
        text = out.getvalue()
        self.assertIn("default  fork         3       2     0   4.00   4.50 |                        2       1   4.50   4.70", text)
        self.assertIn("default fork: R1 4.00/4.50, R2 3.00/2.90*, R3 5.00/4.90", text)
        self.assertIn("signed new (batch.1): boot 2.40, modules 1.30, compute 7.10, fork 5.00", text)
        self.assertIn("1 slow-host pairs: R2", text)
        self.assertIn("left out: R4 new exit 1", text)
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            pairs.main([os.path.join(DATA, "batch.json")])  # three launchers: both must be named


if __name__ == "__main__":
    unittest.main()
