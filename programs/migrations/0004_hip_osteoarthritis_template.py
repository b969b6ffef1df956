"""The shipped catalogue and 12-week template for hip osteoarthritis, in Dutch and English.

Written for this product after the KNGF guideline on hip and knee osteoarthritis (strength at
50-60% of 1RM for beginners rising to 60-80%, 2-4 sets of 8-15 repetitions, 30-60 s rest;
supervised plus home exercise), the Norwegian trial's programme (Svege et al. 2015: strength,
functional and stretching exercises) and GLA:D's structure (neuromuscular and functional
exercises progressing in difficulty). Exertion targets are on the Borg CR-10 scale.

The data lives in this migration (not imported from app code) so that the migration stays
reproducible; later edits happen in the admin.
"""

from django.db import migrations

EXERCISES = [
    # slug, kind, difficulty, name_nl, name_en, equipment_nl, equipment_en,
    # instructions_nl, instructions_en
    (
        "cycling-warm-up", "aerobic", 1,
        "Fietsen op de hometrainer", "Stationary cycling",
        "hometrainer", "exercise bike",
        "Stel het zadel zo hoog dat uw knie bijna gestrekt is onderaan de trapbeweging. Fiets in "
        "een rustig tempo en voer de weerstand langzaam op tot u merkt dat u sneller ademt maar "
        "nog kunt praten.",
        "Set the saddle so that your knee is almost straight at the bottom of the stroke. Pedal "
        "at an easy pace and slowly raise the resistance until you breathe faster but can still "
        "talk.",
    ),
    (
        "brisk-walking", "aerobic", 1,
        "Stevig wandelen", "Brisk walking",
        "", "",
        "Wandel in een tempo waarbij u sneller ademt maar nog kunt praten. Draag stevige schoenen "
        "en kies een vlakke route. Bouw de duur geleidelijk op.",
        "Walk at a pace at which you breathe faster but can still talk. Wear sturdy shoes and "
        "choose a level route. Build up the duration gradually.",
    ),
    (
        "sit-to-stand", "functional", 2,
        "Opstaan uit een stoel", "Sit to stand",
        "stevige stoel zonder wieltjes", "firm chair without wheels",
        "Ga voor op de stoel zitten, voeten op heupbreedte iets achter de knieën. Kruis de armen "
        "voor de borst. Sta op zonder de handen te gebruiken, strek heupen en knieën volledig, en "
        "ga gecontroleerd weer zitten. Houd de knieën in lijn met de tenen.",
        "Sit near the front of the chair, feet hip-width apart and slightly behind the knees. "
        "Cross your arms over your chest. Stand up without using your hands, straighten hips and "
        "knees fully, and sit down again under control. Keep your knees in line with your toes.",
    ),
    (
        "bridging", "strength", 1,
        "Bruggetje", "Bridging",
        "mat", "mat",
        "Lig op uw rug met gebogen knieën en de voeten plat op de grond. Span uw billen aan en til "
        "uw bekken op tot schouders, heupen en knieën op één lijn liggen. Houd kort vast en zak "
        "langzaam terug.",
        "Lie on your back with your knees bent and feet flat on the floor. Tighten your buttocks "
        "and lift your pelvis until shoulders, hips and knees are in line. Hold briefly and lower "
        "slowly.",
    ),
    (
        "side-lying-hip-abduction", "strength", 1,
        "Been zijwaarts heffen in zijlig", "Side-lying hip abduction",
        "mat", "mat",
        "Lig op de zij van het gezonde been, onderste knie gebogen. Til het bovenste been gestrekt "
        "en iets naar achteren op, met de tenen naar voren. Laat het langzaam zakken. Rol niet "
        "naar achteren.",
        "Lie on the side of your good leg, lower knee bent. Lift the top leg straight and slightly "
        "backwards, toes pointing forward. Lower it slowly. Do not roll backwards.",
    ),
    (
        "standing-hip-abduction-band", "strength", 3,
        "Heup zijwaarts met elastiek, staand", "Standing hip abduction with band",
        "weerstandselastiek, steun (stoel of aanrecht)", "resistance band, support (chair or counter)",
        "Sta rechtop met het elastiek om beide enkels en houd u licht vast. Beweeg het been "
        "gestrekt zijwaarts tegen de weerstand in, zonder de romp te laten hellen. Laat "
        "gecontroleerd terugkomen.",
        "Stand upright with the band around both ankles, holding on lightly. Move the straight "
        "leg sideways against the resistance without leaning your trunk. Return under control.",
    ),
    (
        "standing-hip-extension-band", "strength", 3,
        "Been naar achteren met elastiek, staand", "Standing hip extension with band",
        "weerstandselastiek, steun (stoel of aanrecht)", "resistance band, support (chair or counter)",
        "Sta rechtop met het elastiek om de enkels of vastgemaakt voor u. Beweeg het gestrekte been "
        "naar achteren door de bil aan te spannen, zonder hol te trekken in de rug. Laat "
        "gecontroleerd terugkomen.",
        "Stand upright with the band around your ankles or anchored in front of you. Move the "
        "straight leg backwards by tightening the buttock, without arching your back. Return "
        "under control.",
    ),
    (
        "step-up", "functional", 3,
        "Opstappen op een traptrede", "Step-up",
        "traptrede of opstapje (10-20 cm)", "stair or step (10-20 cm)",
        "Zet de voet van het aangedane been op de trede en stap op door dat been te strekken; het "
        "andere been volgt. Stap gecontroleerd af. Houd de knie boven de voet en het bekken "
        "horizontaal. Houd zo nodig de leuning vast.",
        "Place the foot of the affected leg on the step and step up by straightening that leg; "
        "the other leg follows. Step down under control. Keep the knee over the foot and the "
        "pelvis level. Hold the rail if needed.",
    ),
    (
        "single-leg-stance", "neuromuscular", 2,
        "Staan op één been", "Single-leg stance",
        "steun binnen handbereik", "support within reach",
        "Sta op het aangedane been met het bekken horizontaal en de knie licht gebogen. Kijk recht "
        "vooruit. Houd zo lang mogelijk vast, tot de voorgeschreven tijd. Moeilijker: ogen dicht "
        "of op een kussen.",
        "Stand on the affected leg with your pelvis level and the knee slightly bent. Look "
        "straight ahead. Hold as long as you can, up to the prescribed time. Harder: eyes closed "
        "or on a cushion.",
    ),
    (
        "forward-lunge", "neuromuscular", 4,
        "Uitvalspas voorwaarts", "Forward lunge",
        "steun binnen handbereik", "support within reach",
        "Stap met één been naar voren en zak door beide knieën tot de voorste dij schuin staat. "
        "Houd de voorste knie boven de voet en de romp rechtop. Duw af en kom terug. Wissel van "
        "been.",
        "Step forward with one leg and lower through both knees until the front thigh slopes. "
        "Keep the front knee over the foot and the trunk upright. Push off and return. Switch "
        "legs.",
    ),
    (
        "hip-flexor-stretch", "mobility", 1,
        "Heupbuigers rekken", "Hip flexor stretch",
        "mat of kussen onder de knie", "mat or cushion under the knee",
        "Zet één knie op de mat en de andere voet voor u. Kantel het bekken naar achteren en schuif "
        "het bekken iets naar voren tot u rek voelt aan de voorkant van de heup. Adem rustig door; "
        "het mag trekken, niet pijn doen.",
        "Kneel on one knee with the other foot in front. Tilt your pelvis backwards and shift it "
        "slightly forward until you feel a stretch at the front of the hip. Keep breathing; it "
        "may pull, it should not hurt.",
    ),
    (
        "hip-rotation-supine", "mobility", 1,
        "Knie naar buiten laten zakken in rugligging", "Supine hip rotation",
        "mat", "mat",
        "Lig op uw rug met gebogen knieën. Laat één knie langzaam naar buiten zakken zover het "
        "comfortabel gaat, houd het bekken stil, en breng de knie terug. Wissel van kant.",
        "Lie on your back with your knees bent. Let one knee fall slowly outwards as far as is "
        "comfortable, keeping the pelvis still, then bring it back. Switch sides.",
    ),
]

# Easier/harder variants (easier, harder).
VARIANTS = [
    ("side-lying-hip-abduction", "standing-hip-abduction-band"),
    ("bridging", "standing-hip-extension-band"),
    ("sit-to-stand", "step-up"),
    ("single-leg-stance", "forward-lunge"),
]

TEMPLATE = {
    "slug": "hip-oa-12-weeks",
    "name_nl": "Oefenprogramma heupartrose, 12 weken",
    "name_en": "Hip osteoarthritis exercise programme, 12 weeks",
    "description_nl": (
        "Twaalf weken oefentherapie met kracht-, functionele, stabiliteits- en "
        "mobiliteitsoefeningen en een aerobe warming-up, 2 of 3 keer per week, deels onder "
        "begeleiding in de praktijk en deels thuis. De belasting neemt per fase toe. Pijn tijdens "
        "het oefenen tot 5 op 10 is aanvaardbaar, mits de pijn de volgende ochtend weer op het "
        "oude niveau is."
    ),
    "description_en": (
        "Twelve weeks of exercise therapy with strength, functional, neuromuscular and mobility "
        "exercises and an aerobic warm-up, 2 or 3 times a week, partly supervised at the practice "
        "and partly at home. The load increases per phase. Pain up to 5 out of 10 during "
        "exercise is acceptable, provided it is back to its usual level the next morning."
    ),
    "weeks": 12,
    "sessions_per_week": 2,
}

# order, name_nl, name_en, first week, last week, exercises:
#   (slug, sets, repetitions, hold_seconds, duration_seconds, load_nl, load_en, rest, exertion)
PHASES = [
    (
        1, "Fase 1: basis", "Phase 1: foundation", 1, 4,
        [
            ("cycling-warm-up", 1, None, None, 600, "lichte weerstand", "light resistance", 0, 3),
            ("sit-to-stand", 2, 10, None, None, "hoge stoel, zo nodig met armsteun",
             "high chair, with arm support if needed", 60, 4),
            ("bridging", 2, 10, 3, None, "eigen lichaamsgewicht", "body weight", 45, 4),
            ("side-lying-hip-abduction", 2, 10, None, None, "eigen beengewicht", "leg weight",
             45, 4),
            ("single-leg-stance", 3, None, 20, None, "met één hand steun",
             "one hand on a support", 30, 3),
            ("hip-flexor-stretch", 2, None, 30, None, "", "", 15, 2),
            ("hip-rotation-supine", 2, 10, None, None, "", "", 30, 2),
        ],
    ),
    (
        2, "Fase 2: opbouw", "Phase 2: building up", 5, 8,
        [
            ("cycling-warm-up", 1, None, None, 600, "matige weerstand", "moderate resistance",
             0, 4),
            ("sit-to-stand", 3, 10, None, None, "gewone stoel, zonder armen",
             "normal chair, without arms", 60, 5),
            ("standing-hip-abduction-band", 3, 10, None, None, "licht elastiek", "light band",
             60, 5),
            ("standing-hip-extension-band", 3, 10, None, None, "licht elastiek", "light band",
             60, 5),
            ("step-up", 3, 10, None, None, "trede van 10-15 cm", "10-15 cm step", 60, 5),
            ("single-leg-stance", 3, None, 30, None, "zonder steun", "without support", 30, 4),
            ("hip-flexor-stretch", 2, None, 30, None, "", "", 15, 2),
        ],
    ),
    (
        3, "Fase 3: versterken", "Phase 3: strengthening", 9, 12,
        [
            ("cycling-warm-up", 1, None, None, 900, "matige tot zware weerstand",
             "moderate to heavy resistance", 0, 5),
            ("sit-to-stand", 3, 12, None, None, "gewicht in de handen (2-5 kg)",
             "weight held in the hands (2-5 kg)", 60, 6),
            ("standing-hip-abduction-band", 3, 12, None, None, "sterker elastiek",
             "stronger band", 60, 6),
            ("standing-hip-extension-band", 3, 12, None, None, "sterker elastiek",
             "stronger band", 60, 6),
            ("step-up", 3, 12, None, None, "trede van 15-20 cm", "15-20 cm step", 60, 6),
            ("forward-lunge", 3, 8, None, None, "eigen lichaamsgewicht", "body weight", 60, 6),
            ("single-leg-stance", 3, None, 30, None, "op een kussen of met ogen dicht",
             "on a cushion or eyes closed", 30, 5),
            ("hip-flexor-stretch", 2, None, 30, None, "", "", 15, 2),
        ],
    ),
]


def load(apps, schema_editor):
    Exercise = apps.get_model("programs", "Exercise")
    Template = apps.get_model("programs", "ProgrammeTemplate")
    Phase = apps.get_model("programs", "TemplatePhase")
    Item = apps.get_model("programs", "TemplateExercise")

    exercises = {}
    for slug, kind, difficulty, name_nl, name_en, eq_nl, eq_en, ins_nl, ins_en in EXERCISES:
        exercises[slug], _created = Exercise.objects.update_or_create(
            slug=slug,
            defaults={
                "kind": kind,
                "difficulty": difficulty,
                "name_nl": name_nl,
                "name_en": name_en,
                "equipment_nl": eq_nl,
                "equipment_en": eq_en,
                "instructions_nl": ins_nl,
                "instructions_en": ins_en,
            },
        )
    for easier, harder in VARIANTS:
        Exercise.objects.filter(pk=exercises[easier].pk).update(harder_variant=exercises[harder])
        Exercise.objects.filter(pk=exercises[harder].pk).update(easier_variant=exercises[easier])

    template, _created = Template.objects.update_or_create(
        slug=TEMPLATE["slug"], defaults={k: v for k, v in TEMPLATE.items() if k != "slug"}
    )
    Phase.objects.filter(template=template).delete()
    for order, name_nl, name_en, first, last, items in PHASES:
        phase = Phase.objects.create(
            template=template,
            order=order,
            name_nl=name_nl,
            name_en=name_en,
            first_week=first,
            last_week=last,
        )
        for position, (slug, sets, reps, hold, duration, load_nl, load_en, rest, rpe) in enumerate(
            items, start=1
        ):
            Item.objects.create(
                phase=phase,
                exercise=exercises[slug],
                order=position,
                sets=sets,
                repetitions=reps,
                hold_seconds=hold,
                duration_seconds=duration,
                load_nl=load_nl,
                load_en=load_en,
                rest_seconds=rest,
                target_exertion=rpe,
            )


def unload(apps, schema_editor):
    apps.get_model("programs", "ProgrammeTemplate").objects.filter(slug=TEMPLATE["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0003_programmes")]

    operations = [migrations.RunPython(load, unload)]
