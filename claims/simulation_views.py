"""The 政策试算 pages: the form (a draft uploaded or a stored version, a year, an area), a progress bar while
the background job runs, then the report and its Excel file, which only the requester may open."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import User
from claims import selectors
from claims.models import PolicySimulation
from claims.simulation import (
    FIRST_YEAR, LAST_YEAR, LEVELS, SIMULATE, draft_from_file, draft_from_version, simulation_path,
    simulation_request,
)
from policies.document import FUNDS
from regions.codes import Level
from regions.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WHOLE_AREA = ""
FALL_COLOR, RISE_COLOR = "#1e7b34", "#b91c1c"


class SimulationForm(forms.Form):
    SOURCES = [("upload", "上传草案政策文件（JSON）"), ("version", "选择已载入的政策版本")]

    source = forms.ChoiceField(label="草案", choices=SOURCES, initial="upload", widget=forms.RadioSelect)
    file = forms.FileField(label="草案政策文件（JSON，格式同载入政策）", required=False)
    version = forms.ChoiceField(label="政策版本", required=False)
    year = forms.IntegerField(label="账单年度", min_value=FIRST_YEAR, max_value=LAST_YEAR)
    area = forms.ChoiceField(label="区域", required=False)

    def __init__(self, data=None, files=None, *, user: User):
        super().__init__(data, files, initial={"year": timezone.localdate().year - 1, "area": WHOLE_AREA})
        self.user = user
        self.fields["version"].choices = [("", "请选择")] + [
            (str(version.pk), label) for version, label in selectors.simulation_versions(user)
        ]
        regions = Region.objects.within(user.area_id or "").exclude(level=Level.VILLAGE).order_by("code")
        self.fields["area"].choices = [(WHOLE_AREA, "草案适用区域内的全部管辖区域")] + [
            (code, f"{name}（{code}）") for code, name in regions.values_list("code", "name")
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            if cleaned.get("source") == "version":
                chosen = cleaned.get("version")
                version = selectors.simulation_version(self.user, chosen) if chosen else None
                if version is None:
                    self.add_error("version", "请选择一个政策版本。")
                else:
                    cleaned["draft"] = draft_from_version(version)
            elif cleaned.get("source") == "upload":
                upload = cleaned.get("file")
                if upload is None:
                    self.add_error("file", "请选择草案政策文件。")
                else:
                    cleaned["draft"] = draft_from_file(upload.read(), upload.name)
        except ValidationError as exc:
            self.add_error("version" if cleaned.get("source") == "version" else "file", exc)
        return cleaned


@permission_required(SIMULATE, raise_exception=True)
def simulation_start(request):
    form = SimulationForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = simulation_request(user=request.user, draft=data["draft"], year=data["year"],
                                     area=data["area"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("simulation_detail", pk=run.pk)
    elif request.method == "POST":
        messages.error(request, "请按提示修改后重新提交。")
    runs = selectors.my_simulations(request.user)[:10]
    return render(request, "claims/simulation.html", {"form": form, "runs": runs})


def _my_run(request, pk) -> PolicySimulation:
    return get_object_or_404(selectors.my_simulations(request.user), pk=pk)


def _distribution_chart(distribution: list[dict], unchanged: int) -> dict:
    """The people by change of their yearly personal payment, as SVG bars (falls green, rises red)."""
    width, height, left, right, top, bottom = 640, 300, 48, 12, 36, 230
    highest = max((item["people"] for item in distribution), default=0)
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
                 if s * 5 >= highest), 100000)
    top_value = step * 5
    slot = (width - left - right) / max(len(distribution), 1)
    bar = slot * 0.7
    scale = (bottom - top) / top_value
    bars = []
    for index, item in enumerate(distribution):
        bar_height = item["people"] * scale
        x = left + slot * index + (slot - bar) / 2
        label_lines = _short(item["label"]).split(" ", 1)
        bars.append({
            "x": round(x, 1), "y": round(bottom - bar_height, 1), "width": round(bar, 1),
            "height": round(bar_height, 1), "color": FALL_COLOR if item["direction"] < 0 else RISE_COLOR,
            "title": f"{item['label']}：{item['people']} 人", "people": item["people"],
            "center": round(x + bar / 2, 1), "value_y": round(bottom - bar_height - 4, 1),
            "line1": label_lines[0], "line2": label_lines[-1],
        })
    ticks = [{"y": round(bottom - (bottom - top) * i / 5, 1), "text": f"{step * i:g}"} for i in range(6)]
    return {"width": width, "height": height, "left": left, "right": width - right, "bottom": bottom,
            "bars": bars, "ticks": ticks, "has_data": highest > 0, "unchanged": unchanged,
            "title": "个人年度自付变化的人数分布", "label_y": bottom + 16, "label2_y": bottom + 31}


def _short(label: str) -> str:
    """A bin's label short enough for its bar: 少付 1,000–5,000元 → 少付 1千–5千."""
    return label.replace(",000", "千").replace("元以上", "以上").replace("元以内", "以内").removesuffix("元")


def _level_names(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["level_names"] = {side: LEVELS[level] for side, level in row["level"].items()}
    return rows


@permission_required(SIMULATE, raise_exception=True)
def simulation_detail(request, pk):
    run = _my_run(request, pk)
    context = {"run": run}
    if run.status == PolicySimulation.Status.DONE and run.summary:
        summary = run.summary
        context |= {
            "summary": summary,
            "funds": [(FUNDS[fund], summary["by_fund"][fund]) for fund in FUNDS],
            "layers": [row | {"fund_name": FUNDS[row["fund"]]} for row in summary["layers"]],
            "chart": _distribution_chart(summary["distribution"], summary["unchanged"]),
            "newly_over": _level_names(summary["newly_over_people"]),
            "newly_warning": _level_names(summary["newly_warning_people"]),
            "no_longer_over": _level_names(summary["no_longer_over_people"]),
            "largest": _level_names(summary["largest"]),
        }
    return render(request, "claims/simulation_detail.html", context)


@permission_required(SIMULATE, raise_exception=True)
def simulation_progress(request, pk):
    run = _my_run(request, pk)
    response = render(request, "claims/_simulation_progress.html", {"run": run})
    if run.status == PolicySimulation.Status.DONE and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the whole page becomes the report
    return response


@permission_required(SIMULATE, raise_exception=True)
def simulation_download(request, pk):
    run = _my_run(request, pk)
    if run.status != PolicySimulation.Status.DONE:
        raise Http404("试算尚未完成。")
    path = simulation_path(run)
    if not run.file or not path.is_file():
        raise Http404("文件已不存在，请重新试算。")
    filename = f"政策试算_{run.draft_code}_{run.year}_{run.area_code or '全国'}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)

