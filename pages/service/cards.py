"""On a phone the service tables become cards: a row of ten columns scrolled sideways hides
what matters (status, reason, matched words), a card shows all of it in reading order.
Quasar's grid mode renders each row through the `item` slot below; from 600 px up the
table stays a table."""
from __future__ import annotations

from nicegui import ui

# Evaluated in the browser (Quasar's reactive Screen plugin): below 600 px, cards.
PHONE = ':grid="Quasar.Screen.lt.sm"'

_CARD = '<div class="q-pa-xs col-12"><q-card flat bordered class="q-pa-sm text-body2">{}' \
        '</q-card></div>'
_VEHICLE = """
  <a :href="props.row.vehicle_href" class="text-primary no-underline text-weight-medium"
     >{{ props.row.plate }}</a>
  <span class="text-grey-7"> · {{ props.row.vehicle_name }}</span>"""
_CUSTOMER = """
  <a v-if="props.row.customer_href" :href="props.row.customer_href"
     class="text-grey-10 no-underline">{{ props.row.name }}</a>
  <span v-else>{{ props.row.name }}</span>
  <div v-if="props.row.customer_number" class="text-caption text-grey-7">
    Kundennr. {{ props.row.customer_number }}</div>"""

CALL_ITEM = _CARD.format("""
  <div class="row no-wrap items-start justify-between q-gutter-x-sm">
    <div>""" + _CUSTOMER + """</div>
    <q-badge :color="props.row.reason_color" class="px-2 py-1">{{ props.row.reason }}</q-badge>
  </div>
  <div v-if="props.row.tel" class="q-mt-xs">
    <a :href="props.row.tel" class="text-primary no-underline">
      <q-icon name="call" size="xs" /> {{ props.row.phone }}</a></div>
  <div v-else class="text-caption text-negative">keine Telefonnummer</div>
  <div class="q-mt-xs">""" + _VEHICLE + """</div>
  <div>{{ props.row.types }} · fällig ab {{ props.row.due }}
    <span v-if="props.row.overdue" class="text-negative">({{ props.row.overdue }})</span></div>
  <div class="text-caption text-grey-7">{{ props.row.reason_detail }}</div>
  <div class="q-mt-xs"><q-btn flat dense no-caps color="primary" icon="task_alt"
    label="Erledigt" @click.stop="() => $parent.$emit('call_done', props.row)" /></div>""")

# The reactions a follow-up card lists when they happened ("–" = not, or not measured).
_REACTIONS = (("opened", "geöffnet"), ("clicked", "geklickt"), ("booked", "gebucht"),
              ("callback", "Rückruf gewünscht"), ("order_found", "Auftrag gefunden"))
FOLLOWUP_ITEM = _CARD.format("""
  <div class="row no-wrap items-start justify-between q-gutter-x-sm">
    <div>""" + _VEHICLE + """</div>
    <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.row.status_label }}
    </q-badge>
  </div>
  <div>""" + _CUSTOMER + """</div>
  <div class="q-mt-xs">{{ props.row.types }} · fällig ab {{ props.row.due_date }}</div>
  <div class="text-caption text-grey-8">
    <span>eingeladen {{ props.row.invited_at || '–' }}</span>
    <span v-if="props.row.reminded"> · erinnert {{ props.row.reminded }}</span>""" + "".join(
    f"""
    <span v-if="props.row.{key} && props.row.{key} !== '–'"> · {text} {{{{ props.row.{key} }}}}
    </span>""" for key, text in _REACTIONS) + """
  </div>
  <div v-if="props.row.outcome" class="text-caption text-grey-7">{{ props.row.outcome }}</div>""")

EXCLUDED_ITEM = _CARD.format("""
  <div>""" + _VEHICLE + """</div>
  <div>""" + _CUSTOMER + """</div>
  <div v-for="due in props.row.dues" :key="due.type" class="q-mt-xs">
    <span class="text-weight-medium">{{ due.label }}</span>
    <span class="text-grey-7"> · fällig ab {{ due.due }}</span>
    <div class="text-caption text-grey-8">{{ due.why }}</div>
  </div>""")

ORDER_ITEM = _CARD.format("""
  <div class="row no-wrap items-center justify-between q-gutter-x-sm">
    <div><span class="text-weight-medium">{{ props.row.date }}</span>
      <span class="text-grey-7"> · {{ props.row.number }}</span></div>
    <q-badge :color="props.row.status === 'open' ? 'orange-8' : 'grey-5'" class="px-2 py-1">
      {{ props.row.status_label }}</q-badge>
  </div>
  <div>{{ props.row.text }}</div>
  <div class="text-caption text-grey-7">{{ props.row.km }} · {{ props.row.amount }}</div>
  <div class="text-caption" :class="props.row.matched ? 'text-grey-10' : 'text-grey-6'">
    Erkannt: {{ props.row.matches }}</div>""")

INVITATION_ITEM = _CARD.format("""
  <div class="row no-wrap items-start justify-between q-gutter-x-sm">
    <div><a v-if="props.row.href" :href="props.row.href" class="text-primary no-underline"
      >Nr. {{ props.row.id }}</a><span v-else>Nr. {{ props.row.id }}</span>
      · {{ props.row.types }}</div>
    <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.row.status_label }}
    </q-badge>
  </div>
  <div class="text-caption text-grey-8">fällig ab {{ props.row.due }}
    · eingeladen {{ props.row.invited }}</div>
  <div v-if="props.row.outcome" class="text-caption text-grey-7">{{ props.row.outcome }}</div>""")

READING_ITEM = _CARD.format("""
  <div class="row no-wrap justify-between q-gutter-x-sm"
       :class="props.row.ignored ? 'text-negative' : ''">
    <span>{{ props.row.date }}</span>
    <s v-if="props.row.ignored">{{ props.row.km }}</s><span v-else>{{ props.row.km }}</span>
  </div>
  <div class="text-caption text-grey-7">{{ props.row.source }}</div>
  <div v-if="props.row.ignored" class="text-caption text-negative text-weight-medium">
    <q-icon name="block" size="xs" /> {{ props.row.note }}</div>""")


def cards_on_phone(table: ui.table, item: str) -> ui.table:
    """Switch `table` to one card per row below 600 px, rendered by `item`."""
    table.props(PHONE)
    table.add_slot("item", item)
    return table
