from __future__ import annotations

from django import forms

from accounts.models import Role, User
from accounts.services import ROLE_RANK
from ledgers.forms import area_choices

PASSWORDS_DIFFER = "两次输入的密码不一致。"


class UserForm(forms.ModelForm):
    """A user as an administrator sees one: the name in one field (姓名), the area by name, no raw permissions.

    The view hands the cleaned values to ``accounts.services.user_save``, which decides what may be saved.
    """

    name = forms.CharField(label="姓名", max_length=150)
    area = forms.ChoiceField(label="管辖区域")
    password = forms.CharField(label="初始密码", strip=False, widget=forms.PasswordInput,
                               help_text="至少 8 位，不能全是数字、不能是常见密码，也不能与用户名、姓名相近。")
    password_again = forms.CharField(label="再次输入密码", strip=False, widget=forms.PasswordInput)
    field_order = ["name", "username", "role", "area", "unit", "phone", "is_active", "password", "password_again"]

    class Meta:
        model = User
        fields = ["username", "role", "unit", "phone", "is_active"]
        labels = {"username": "用户名", "is_active": "启用"}
        help_texts = {"username": "登录时输入：字母、数字和 @ . + - _", "is_active": "停用的账号不能登录，记录保留。"}

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(actor)
        self.fields["role"].choices = [(role, label) for role, label in Role.choices
                                       if actor.is_superuser or ROLE_RANK[role] <= ROLE_RANK[actor.role]]
        if self.instance.pk:
            self.initial.update(name=self.instance.first_name, area=self.instance.area_id or "")
            self.fields["password"].label = "重设密码"
            self.fields["password"].help_text = "留空则不改；填写后该用户用新密码登录。"
            self.fields["password"].required = self.fields["password_again"].required = False
        else:
            self.initial.update(area=actor.area_id or "", role=Role.CLERK)  # most new users are clerks

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", PASSWORDS_DIFFER)
        return cleaned

    def user(self) -> User:
        """The instance with the name and area written in (not saved)."""
        user = self.instance
        user.first_name, user.last_name = self.cleaned_data["name"], ""
        user.area_id = self.cleaned_data["area"] or None
        return user
