#!/usr/bin/env python3
"""Write a large synthetic Apple Health export.xml for bench/apple_export.sh.

Shaped like a real multi-year export (DESIGN §6): the DTD header, then per
day resting heart rate every 5 min, active energy, steps and distance
records from the phone and the watch, one workout (running on four days
of seven, walking on the others) of 45 min with heart rate every 5 s from
the watch and pause events, and finally the workouts themselves. Route
files are not written: the benchmark measures reading the XML. Stops after
the day that passes --gb gigabytes. Deterministic (no randomness).

    python3 bench/apple_export.py OUT.xml [--gb 2]
"""
import datetime as dt
import sys

out_path = sys.argv[1]
gb = float(sys.argv[sys.argv.index("--gb") + 1]) if "--gb" in sys.argv else 2.0
limit = int(gb * 1024 ** 3)
OFF = dt.timezone(dt.timedelta(hours=2))
WATCH = "Runner\u2019s Apple Watch"
PHONE = "Runner\u2019s iPhone"
DEV = "&lt;&lt;HKDevice: 0x2836ce6c0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,2, software:9.0&gt;"


def d(t):
    return t.strftime("%Y-%m-%d %H:%M:%S +0200")


def rec(kind, unit, src, t, t2, value, dev=True):
    device = f' device="{DEV}"' if dev else ""
    return (f' <Record type="{kind}" sourceName="{src}" sourceVersion="9.0"{device} unit="{unit}" '
            f'creationDate="{d(t2)}" startDate="{d(t)}" endDate="{d(t2)}" value="{value}"/>\n')


written = 0
workouts = []
with open(out_path, "w", encoding="utf-8", newline="\n") as f:
    def w(s):
        global written
        f.write(s)
        written += len(s.encode("utf-8"))
    w('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Workout)*)>\n'
      '<!ATTLIST HealthData\n  locale CDATA #REQUIRED\n>\n]>\n<HealthData locale="en_US">\n'
      ' <ExportDate value="2026-01-01 09:00:00 +0200"/>\n <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexMale"/>\n')
    day = dt.datetime(2021, 1, 1, 0, 0, 0, tzinfo=OFF)
    k = 0
    while written < limit:
        for m in range(0, 1440, 5):
            t = day + dt.timedelta(minutes=m)
            w(rec("HKQuantityTypeIdentifierHeartRate", "count/min", WATCH, t, t, 55 + (m // 5) % 20))
        for m in range(0, 1440, 1):
            t = day + dt.timedelta(minutes=m)
            w(rec("HKQuantityTypeIdentifierActiveEnergyBurned", "Cal", WATCH, t, t + dt.timedelta(seconds=50), "0.412"))
        for m in range(0, 1440, 2):
            t = day + dt.timedelta(minutes=m)
            w(rec("HKQuantityTypeIdentifierStepCount", "count", PHONE, t, t + dt.timedelta(minutes=1), 37, False))
            w(rec("HKQuantityTypeIdentifierDistanceWalkingRunning", "km", PHONE, t, t + dt.timedelta(minutes=1), "0.0271", False))
        start = day + dt.timedelta(hours=7)
        for s in range(0, 2700, 5):
            t = start + dt.timedelta(seconds=s)
            w(rec("HKQuantityTypeIdentifierHeartRate", "count/min", WATCH, t, t, 120 + (s // 5) % 45))
        workouts.append((start, "Running" if k % 7 < 4 else "Walking"))
        day += dt.timedelta(days=1)
        k += 1
    for start, kind in workouts:
        end = start + dt.timedelta(seconds=2700)
        p = start + dt.timedelta(seconds=1200)
        ev = (f'  <WorkoutEvent type="HKWorkoutEventTypePause" date="{d(p)}"/>\n'
              f'  <WorkoutEvent type="HKWorkoutEventTypeResume" date="{d(p + dt.timedelta(seconds=40))}"/>\n')
        name = start.strftime("route_%Y-%m-%d_7.00am.gpx")
        w(f' <Workout workoutActivityType="HKWorkoutActivityType{kind}" duration="44.33" durationUnit="min" '
          f'sourceName="{WATCH}" sourceVersion="9.0" device="{DEV}" creationDate="{d(end)}" startDate="{d(start)}" endDate="{d(end)}">\n'
          '  <MetadataEntry key="HKIndoorWorkout" value="0"/>\n' + ev +
          f'  <WorkoutStatistics type="HKQuantityTypeIdentifierDistanceWalkingRunning" startDate="{d(start)}" endDate="{d(end)}" sum="8.1" unit="km"/>\n'
          f'  <WorkoutRoute sourceName="{WATCH}" startDate="{d(start)}" endDate="{d(end)}">\n'
          f'   <FileReference path="/workout-routes/{name}"/>\n  </WorkoutRoute>\n </Workout>\n')
    w('</HealthData>\n')
print(f"{out_path}: {written / 1024 ** 3:.2f} GiB, {k} days, {len(workouts)} workouts", file=sys.stderr)
