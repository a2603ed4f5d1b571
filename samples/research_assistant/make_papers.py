"""Writes the sample's papers: short, made-up studies (for the demo only) as PDFs with text pages.

Run with the system Python (matplotlib from Debian): /usr/bin/python3 make_papers.py
"""

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

PAPERS = {
    "urban_heat_2024.pdf": (
        "Street Trees and Summer Heat in Three Mid-Sized Cities",
        [
            "Abstract. We measured afternoon air temperature on 120 streets in three cities during "
            "July and August. Streets with a tree canopy cover above 40 percent were on average "
            "2.1 degrees Celsius cooler than streets with less than 10 percent cover.",
            "Methods. Sensors were mounted 2.5 m above the pavement and logged every ten minutes. "
            "Canopy cover was estimated from aerial photographs at 0.5 m resolution.",
            "Results. The cooling effect peaked at 3 pm and was strongest on days above 30 degrees "
            "Celsius, where the difference reached 3.4 degrees. Wind speed reduced the effect.",
            "Conclusion. Planting trees on the hottest streets first gives the largest benefit "
            "per tree. This is a made-up paper written for the research assistant sample.",
        ],
    ),
    "bee_colonies_2023.pdf": (
        "Winter Losses of Honeybee Colonies Kept by Hobby Beekeepers",
        [
            "Abstract. A survey of 842 hobby beekeepers reported the fate of 5,310 colonies over "
            "one winter. Overall winter loss was 17.8 percent, lower than the 22 percent of the "
            "previous year.",
            "Methods. Beekeepers answered an online questionnaire in April. Losses were counted "
            "as colonies that died or were too weak to build up in spring.",
            "Results. Colonies treated against Varroa mites in late summer lost 11.2 percent, "
            "untreated colonies lost 31.5 percent. Apiary size had no clear effect.",
            "Conclusion. Timely mite treatment is the factor most strongly linked to survival. "
            "This is a made-up paper written for the research assistant sample.",
        ],
    ),
    "night_buses_2022.pdf": (
        "Who Rides the Night Bus? Ridership After a Network Redesign",
        [
            "Abstract. After a city added six night bus lines, weekly night ridership grew from "
            "9,400 to 15,100 trips within a year, an increase of 61 percent.",
            "Methods. Ticket validations between midnight and 5 am were counted for 52 weeks "
            "before and after the change, and 1,200 riders were interviewed.",
            "Results. Most new riders were shift workers (44 percent) and hospitality staff "
            "(27 percent). Lines with a 20-minute frequency gained most.",
            "Conclusion. Frequent night service serves workers first, not only nightlife. "
            "This is a made-up paper written for the research assistant sample.",
        ],
    ),
}


def page(pdf, lines):
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.08, 0.95, "\n".join(lines), va="top", family="DejaVu Sans", fontsize=11)
    pdf.savefig(fig)
    plt.close(fig)


for name, (title, sections) in PAPERS.items():
    with PdfPages(Path(__file__).with_name("papers") / name) as pdf:
        wrapped = [title, ""] + [
            line for section in sections[:2] for line in textwrap.wrap(section, 80) + [""]
        ]
        page(pdf, wrapped)
        page(pdf, [line for section in sections[2:] for line in textwrap.wrap(section, 80) + [""]])
        info = pdf.infodict()
        info["Title"] = title
        info["Author"] = "adk-coding-agent samples"
