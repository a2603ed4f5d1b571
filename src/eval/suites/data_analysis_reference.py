# Copyright 2026 adk-coding-agent authors
# SPDX-License-Identifier: Apache-2.0
"""The data-analysis eval suite: every question with its exact answer, computed with pandas.

Run:  /usr/bin/python3 src/eval/suites/data_analysis_reference.py samples/data \
          > src/eval/suites/data_analysis_tasks.json

The questions are written for this project. Each task's `expect` says what the checker looks for:

- number:  a number equal to `value` at the precision the answer gives (38.4 matches 38.38);
- share:   a proportion, accepted as a fraction (0.3838) or a percentage (38.38 %);
- integer: this exact whole number;
- numbers: every listed value (`share: true`: proportions), each as for number / share;
- text:    one of `values` as a word or phrase (case-insensitive).

A task whose `expect` lists several checks needs them all. A task with `chart` also needs a chart saved as an artifact (a PNG figure, or the save_chart tool).
`test/eval/data_analysis_suite_test.ts` runs this script and compares its output with the
committed JSON.
"""

import json
import sys
from pathlib import Path

import pandas as pd

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else "samples/data")


def load(name):
    return pd.read_csv(DATA / f"{name}.csv")


titanic = load("titanic")
tips = load("tips")
iris = load("iris")
penguins = load("penguins")
ports = load("ports")
days = load("days")
iris_species = load("iris_species")
penguin_species = load("penguin_species")

tasks = []


def task(id, category, datasets, turns, expect, chart=None):
    entry = {
        "id": id,
        "category": category,
        "datasets": datasets,
        "turns": [turns] if isinstance(turns, str) else turns,
        "expect": expect if isinstance(expect, list) else [expect],
    }
    if chart:
        entry["chart"] = True
    tasks.append(entry)


def number(value):
    return {"type": "number", "value": float(value)}


def share(value):
    return {"type": "share", "value": float(value)}


def integer(value):
    return {"type": "integer", "value": int(value)}


def numbers(values, is_share=False):
    return {"type": "numbers", "values": [float(v) for v in values], "share": is_share}


def text(*values):
    return {"type": "text", "values": list(values)}


# --- Titanic -------------------------------------------------------------------------------
t = titanic
task("titanic_survival_rate", "aggregation", ["titanic"],
     "What share of the Titanic passengers survived?", share(t.Survived.mean()))
task("titanic_women_survival", "filter", ["titanic"],
     "What share of the female passengers on the Titanic survived?",
     share(t[t.Sex == "female"].Survived.mean()))
task("titanic_class_survival", "aggregation", ["titanic"],
     "Give the survival rate of each ticket class (1st, 2nd, 3rd) on the Titanic.",
     numbers(t.groupby("Pclass").Survived.mean(), is_share=True))
task("titanic_mean_age", "aggregation", ["titanic"],
     "What is the mean age of the Titanic passengers whose age is known?", number(t.Age.mean()))
task("titanic_missing_age", "aggregation", ["titanic"],
     "For how many Titanic passengers is the age missing?", integer(t.Age.isna().sum()))
task("titanic_median_fare", "aggregation", ["titanic"],
     "What is the median fare paid on the Titanic?", number(t.Fare.median()))
task("titanic_first_class_fare", "filter", ["titanic"],
     "What is the mean fare of first-class Titanic passengers?",
     number(t[t.Pclass == 1].Fare.mean()))
task("titanic_children_survivors", "filter", ["titanic"],
     "How many Titanic passengers younger than 12 survived?",
     integer(((t.Age < 12) & (t.Survived == 1)).sum()))
alone = t[(t.SibSp + t.Parch) == 0]
task("titanic_alone_survival", "filter", ["titanic"],
     "What share of the Titanic passengers travelling with no siblings, spouses, parents or "
     "children aboard survived?", share(alone.Survived.mean()))
oldest = t.loc[t.Age.idxmax()]
task("titanic_oldest_passenger", "filter", ["titanic"],
     "What is the surname of the oldest Titanic passenger?",
     text(oldest.Name.split(",")[0]))
task("titanic_third_class_men", "filter", ["titanic"],
     "What share of the men travelling in third class on the Titanic survived?",
     share(t[(t.Sex == "male") & (t.Pclass == 3)].Survived.mean()))
task("titanic_cabin_known", "aggregation", ["titanic"],
     "For how many Titanic passengers is the cabin known?", integer(t.Cabin.notna().sum()))
by_port = t.merge(ports, left_on="Embarked", right_on="code")
top_port = by_port.port.value_counts().idxmax()
task("titanic_top_port", "join", ["titanic", "ports"],
     "Using the ports table, give the name of the port where most Titanic passengers embarked.",
     text(top_port))
port_rates = by_port.groupby("port").Survived.mean()
task("titanic_port_survival", "join", ["titanic", "ports"],
     "Join the Titanic passengers with the ports table and give the survival rate for each "
     "port of embarkation (Cherbourg, Queenstown, Southampton).",
     numbers(port_rates[["Cherbourg", "Queenstown", "Southampton"]], is_share=True))
france = by_port[by_port.country == "France"]
task("titanic_france_fare", "join", ["titanic", "ports"],
     "What is the mean fare of the Titanic passengers who embarked in France (see the ports "
     "table)?", number(france.Fare.mean()))
task("titanic_class_chart", "chart", ["titanic"],
     "Make a bar chart of the survival rate by ticket class on the Titanic, save it, and give "
     "the three rates.", numbers(t.groupby("Pclass").Survived.mean(), is_share=True), chart=True)
third = t[t.Pclass == 3]
task("titanic_third_class_followup", "multi-turn", ["titanic"],
     ["How many Titanic passengers travelled in third class?",
      "Of those third-class passengers, what share survived?"],
     share(third.Survived.mean()))

# The tips data abbreviates days; an answer may name them in full.
DAY_NAMES = {row.day: [row.day, row.day_name] for row in days.itertuples()}

# --- Tips ----------------------------------------------------------------------------------
p = tips
task("tips_mean_tip_share", "aggregation", ["tips"],
     "In the tips data, what is the mean tip as a share of the total bill (the mean of "
     "tip / total_bill over all bills)?", share((p.tip / p.total_bill).mean()))
task("tips_total", "aggregation", ["tips"],
     "What is the sum of all tips in the tips data, in dollars?", number(p.tip.sum()))
task("tips_top_day", "aggregation", ["tips"],
     "On which day is the mean total bill highest in the tips data?",
     text(*DAY_NAMES[p.groupby("day").total_bill.mean().idxmax()]))
task("tips_smoker_tip", "filter", ["tips"],
     "What is the mean tip of smoking parties and of non-smoking parties in the tips data?",
     numbers([p[p.smoker == "Yes"].tip.mean(), p[p.smoker == "No"].tip.mean()]))
task("tips_big_dinners", "filter", ["tips"],
     "How many dinner bills in the tips data were for parties of four or more people?",
     integer(((p.time == "Dinner") & (p["size"] >= 4)).sum()))
biggest = p.loc[p.tip.idxmax()]
task("tips_largest_tip", "filter", ["tips"],
     "What was the largest tip in the tips data, in dollars?", number(biggest.tip))
task("tips_correlation", "aggregation", ["tips"],
     "What is the Pearson correlation between the total bill and the tip in the tips data?",
     number(p.total_bill.corr(p.tip)))
with_days = p.merge(days, on="day")
task("tips_weekend_share", "join", ["tips", "days"],
     "Using the days table, what share of the bills in the tips data were on a weekend?",
     share((with_days.weekend == "yes").mean()))
task("tips_weekday_mean_bill", "join", ["tips", "days"],
     "Using the days table, what is the mean total bill on weekdays (not the weekend) in the "
     "tips data?", number(with_days[with_days.weekend == "no"].total_bill.mean()))
day_tips = p.groupby("day").tip.mean()
task("tips_day_chart", "chart", ["tips"],
     "Plot the mean tip per day (Thur, Fri, Sat, Sun) of the tips data as a bar chart, save "
     "it, and give the four means.", numbers(day_tips[["Thur", "Fri", "Sat", "Sun"]]),
     chart=True)
task("tips_lunch_dinner_followup", "multi-turn", ["tips"],
     ["What is the mean total bill at lunch in the tips data?", "And at dinner?"],
     number(p[p.time == "Dinner"].total_bill.mean()))

# --- Iris ----------------------------------------------------------------------------------
i = iris
task("iris_virginica_petal", "filter", ["iris"],
     "What is the mean petal length of the virginica flowers in the iris data?",
     number(i[i.species == "virginica"].petal_length.mean()))
task("iris_widest_sepal", "aggregation", ["iris"],
     "Which iris species has the largest mean sepal width?",
     text(i.groupby("species").sepal_width.mean().idxmax()))
task("iris_long_petals", "filter", ["iris"],
     "How many flowers in the iris data have a petal length greater than 5 cm?",
     integer((i.petal_length > 5).sum()))
task("iris_petal_correlation", "aggregation", ["iris"],
     "What is the Pearson correlation between petal length and petal width in the iris data?",
     number(i.petal_length.corr(i.petal_width)))
task("iris_sepal_std", "aggregation", ["iris"],
     "What is the sample standard deviation of the sepal length in the iris data?",
     number(i.sepal_length.std()))
widest = i.groupby("species").petal_width.mean().idxmax()
task("iris_common_name", "join", ["iris", "iris_species"],
     "Using the iris species table, give the common name of the iris species with the "
     "largest mean petal width.",
     text(iris_species.set_index("species").common_name[widest]))
medians = i.groupby("species").petal_length.median()
task("iris_petal_chart", "chart", ["iris"],
     "Draw a box plot of petal length per species of the iris data, save it, and give the "
     "median petal length of setosa, versicolor and virginica.",
     numbers(medians[["setosa", "versicolor", "virginica"]]), chart=True)
setosa = i[i.species == "setosa"]
task("iris_setosa_followup", "multi-turn", ["iris"],
     ["How many setosa flowers are in the iris data?",
      "What is their mean sepal length?"], number(setosa.sepal_length.mean()))

# --- Penguins ------------------------------------------------------------------------------
g = penguins
task("penguins_missing_mass", "aggregation", ["penguins"],
     "For how many penguins in the penguins data is the body mass missing?",
     integer(g.body_mass_g.isna().sum()))
task("penguins_species_mass", "aggregation", ["penguins"],
     "Give the mean body mass in grams of each penguin species (Adelie, Chinstrap, Gentoo).",
     numbers(g.groupby("species").body_mass_g.mean()[["Adelie", "Chinstrap", "Gentoo"]]))
task("penguins_top_island", "aggregation", ["penguins"],
     "Which island has the most penguins in the penguins data?",
     text(g.island.value_counts().idxmax()))
sexed = g.dropna(subset=["sex"])
task("penguins_female_share", "filter", ["penguins"],
     "Among the penguins whose sex is recorded, what share are female?",
     share((sexed.sex == "FEMALE").mean()))
task("penguins_gentoo_male_flipper", "filter", ["penguins"],
     "What is the mean flipper length of male Gentoo penguins, in mm?",
     number(g[(g.species == "Gentoo") & (g.sex == "MALE")].flipper_length_mm.mean()))
everywhere = g.groupby("species").island.nunique().idxmax()
task("penguins_scientific_name", "join", ["penguins", "penguin_species"],
     "Using the penguin species table, give the scientific name of the species found on the "
     "most islands.",
     text(penguin_species.set_index("species").scientific_name[everywhere]))
heavy = g.merge(penguin_species, on="species")
heavy_means = heavy.groupby("scientific_name").body_mass_g.mean()
task("penguins_heaviest_scientific", "join", ["penguins", "penguin_species"],
     "Join the penguins with the penguin species table: what is the scientific name of the "
     "species with the largest mean body mass, and that mean in grams?",
     [text(heavy_means.idxmax()), number(heavy_means.max())])
island_counts = g.island.value_counts()
task("penguins_island_chart", "chart", ["penguins"],
     "Make a bar chart of the number of penguins per island, save it, and give the counts for "
     "Biscoe, Dream and Torgersen.",
     numbers(island_counts[["Biscoe", "Dream", "Torgersen"]]), chart=True)
complete = g.dropna()
task("penguins_complete_followup", "multi-turn", ["penguins"],
     ["How many rows of the penguins data have no missing value at all?",
      "Among those complete rows, what is the mean bill length of the Chinstrap penguins?"],
     number(complete[complete.species == "Chinstrap"].bill_length_mm.mean()))

# --- Across data sets ----------------------------------------------------------------------
sizes = {name: len(load(name)) for name in ["titanic", "tips", "iris", "penguins"]}
task("largest_dataset", "aggregation", ["titanic", "tips", "iris", "penguins"],
     "Of the titanic, tips, iris and penguins data sets, which has the most rows?",
     text(max(sizes, key=sizes.get)))

json.dump({"pandas": pd.__version__, "tasks": tasks}, sys.stdout, indent=1)
sys.stdout.write("\n")
