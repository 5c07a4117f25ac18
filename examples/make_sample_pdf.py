"""Writes ``extract_pdf_sample.pdf`` (the input of ``extract_pdf.mthds``) with reportlab: two pages of text.

Run from this folder: ``python make_sample_pdf.py``; then ``pipelex run bundle extract_pdf.mthds -i
extract_pdf_inputs.json`` reads it back live, with no API key.
"""

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

PAGES = [
    [
        "Boulangerie Kerlann",
        "Opening hours",
        "Monday to Friday: 7:00 to 19:30",
        "Saturday and Sunday: 7:30 to 13:00",
    ],
    ["Closed on public holidays.", "Bread can be reserved the day before."],
]


def main() -> None:
    """Write the sample PDF beside this script."""
    target = Path(__file__).with_name("extract_pdf_sample.pdf")
    pdf = canvas.Canvas(str(target), pagesize=A4, invariant=1)
    for lines in PAGES:
        y = 780
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
