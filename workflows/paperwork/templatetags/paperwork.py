from django import template

from workflows.paperwork.printing import keep_words

register = template.Library()
# {{ agency.name|keep_words }}: the name never breaks inside a word.
register.filter("keep_words", keep_words)
