from django.contrib import admin

from guichet.catalogue.models import Category, Service


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "position")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("slug", "authority", "channel", "is_published", "use_count")
    list_filter = ("is_published", "channel", "authority")
    filter_horizontal = ("categories",)
