from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "phone", "email", "is_active")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "display_name", "phone", "email")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Wenzheng"), {"fields": ("role", "display_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Wenzheng"), {"fields": ("role", "display_name", "phone")}),
    )
