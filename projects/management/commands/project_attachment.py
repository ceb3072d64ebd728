"""``manage.py project_attachment --code C --file PATH --title T``: a document kept with a project."""

from pathlib import Path

from accounts.cli import UserCommand, refused
from beneficiaries.cli import required
from projects.cli import project_of
from projects.services import ATTACHMENT_MAX_BYTES, attachment_add
from spreadsheets.limits import size_text


class Command(UserCommand):
    help = "上传项目附件（实施方案、批复、验收报告、照片等）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--file", help="文件路径")
        parser.add_argument("--title", help="附件名称")

    def run(self, user, *, code, file, title, **options):
        required({"file": file, "title": title}, "file", "title", doing="上传项目附件")
        project = project_of(user, code)
        try:
            size = Path(file).stat().st_size
            if size > ATTACHMENT_MAX_BYTES:  # refused before it is read, as an upload is
                raise refused(f"文件“{file}”为 {size_text(size)}，超过附件上限 {size_text(ATTACHMENT_MAX_BYTES)}。")
            content = Path(file).read_bytes()
        except OSError as exc:
            raise refused(f"无法读取文件“{file}”：{exc.strerror}") from None
        attachment = attachment_add(user=user, project=project, title=title, file_name=Path(file).name,
                                    content=content)
        return {"attachment": attachment.pk, "code": project.code, "title": attachment.title,
                "sha256": attachment.file_sha256}

    def summary(self, result):
        return f"项目 {result['code']}：已上传附件“{result['title']}”（sha256 {result['sha256']}）。"
