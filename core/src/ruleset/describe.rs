//! What a rule set holds, in domain words: its programs and entities, the
//! entity a case or a program belongs to, and the input schema a form is
//! generated from.

use super::RuleSet;
use crate::plan::{Lang, Text};
use crate::run::runner::EvalError;
use crate::schema;
use serde_json::Value as Json;
use std::sync::Arc;

/// A program of a rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    /// The program's name (`dibao`).
    pub name: Arc<str>,
    /// The entity it decides for (`household`).
    pub entity: String,
    /// Label in both languages.
    pub label: Text,
    /// What it is, in both languages.
    pub description: Text,
    /// Whether it pays an amount.
    pub pays_amount: bool,
    /// Whether its amount is money (an amount in yuan, not a count).
    pub pays_money: bool,
    /// Whether it settles monthly records (meal claims).
    pub settles_records: bool,
}

/// An entity of a rule set: what a case is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityInfo {
    /// The entity's name (`household`).
    pub name: String,
    /// Label in both languages.
    pub label: Text,
    /// Its inputs, by name.
    pub inputs: Vec<String>,
    /// Its collections of members: `(collection, member entity)`.
    pub collections: Vec<(String, String)>,
    /// The programs that decide for it, in rule-set order.
    pub programs: Vec<Arc<str>>,
}

impl RuleSet {
    fn program_info(&self, p: usize) -> ProgramInfo {
        let plan = self.plan();
        let program = &plan.programs[p];
        ProgramInfo {
            name: program.name.clone(),
            entity: plan.entities[program.entity].name.clone(),
            label: program.label.clone(),
            description: program.description.clone(),
            pays_amount: program.amount.is_some(),
            pays_money: self.pays_money(&program.name),
            settles_records: program.settlement.is_some(),
        }
    }

    fn program_index(&self, name: &str) -> Result<usize, EvalError> {
        self.plan()
            .program_index(name)
            .ok_or_else(|| EvalError::UnknownProgram {
                name: name.to_string(),
            })
    }

    /// Every program, in rule-set order.
    pub fn programs(&self) -> Vec<ProgramInfo> {
        (0..self.plan().programs.len())
            .filter(|&p| self.plan().programs[p].part_of.is_none())
            .map(|p| self.program_info(p))
            .collect()
    }

    /// One program by name.
    ///
    /// # Errors
    /// [`EvalError::UnknownProgram`].
    pub fn program(&self, name: &str) -> Result<ProgramInfo, EvalError> {
        self.program_index(name).map(|p| self.program_info(p))
    }

    /// Every entity, in rule-set order.
    pub fn entities(&self) -> Vec<EntityInfo> {
        let plan = self.plan();
        plan.entities
            .iter()
            .enumerate()
            .map(|(i, e)| EntityInfo {
                name: e.name.clone(),
                label: e.label.clone(),
                inputs: e.inputs.iter().map(|x| x.name.clone()).collect(),
                collections: e
                    .collections
                    .iter()
                    .map(|c| (c.name.clone(), plan.entities[c.entity].name.clone()))
                    .collect(),
                programs: plan
                    .programs
                    .iter()
                    .filter(|p| p.entity == i)
                    .map(|p| p.name.clone())
                    .collect(),
            })
            .collect()
    }

    /// The entity a program decides for.
    ///
    /// # Errors
    /// [`EvalError::UnknownProgram`].
    pub fn entity_of(&self, program: &str) -> Result<&str, EvalError> {
        let p = self.program_index(program)?;
        let plan = self.plan();
        Ok(&plan.entities[plan.programs[p].entity].name)
    }

    /// The entities a case could be, from its fields: those with an input
    /// or collection for every key of the JSON object, most specific first
    /// (fewest fields). A case that names its fields well has one.
    pub fn entities_for(&self, json: &Json) -> Vec<&str> {
        let Some(map) = json.as_object() else {
            return Vec::new();
        };
        let mut fits: Vec<(usize, &str)> = self
            .plan()
            .entities
            .iter()
            .filter(|e| {
                map.keys().all(|k| {
                    e.inputs.iter().any(|i| i.name == *k)
                        || e.collections.iter().any(|c| c.name == *k)
                })
            })
            .map(|e| (e.inputs.len() + e.collections.len(), e.name.as_str()))
            .collect();
        fits.sort();
        fits.into_iter().map(|(_, name)| name).collect()
    }

    /// The entity of a case: the one `program` decides for, else `entity`,
    /// else the one entity the case's fields fit.
    ///
    /// # Errors
    /// [`crate::Error::Case`] naming the choices when the case fits no
    /// entity or several; unknown names.
    pub fn entity_for_case(
        &self,
        entity: Option<&str>,
        program: Option<&str>,
        json: &Json,
    ) -> Result<String, crate::Error> {
        match (entity, program) {
            (Some(e), _) => Ok(self.plan().entities[self.entity(e)?].name.clone()),
            (None, Some(p)) => Ok(self.entity_of(p)?.to_string()),
            (None, None) => match self.entities_for(json).as_slice() {
                [one] => Ok(one.to_string()),
                [] => Err(crate::Error::Case(format!(
                    "the case's fields fit no entity of {}; say which entity the case is or which program to evaluate",
                    self.id()
                ))),
                several => Err(crate::Error::Case(format!(
                    "the case's fields fit {}; say which entity or program",
                    several.join(", ")
                ))),
            },
        }
    }

    /// The input schema of a program, as JSON: the fields a form asks for,
    /// with types, bounds, defaults, choices, labels and help in both
    /// languages, and the member collections with their own fields.
    ///
    /// # Errors
    /// [`EvalError::UnknownProgram`].
    pub fn schema(&self, program: &str) -> Result<Json, EvalError> {
        let p = self.program_index(program)?;
        Ok(schema::program_schema(self.plan(), p).unwrap_or(Json::Null))
    }

    /// Checks one field of a program's form as a person typed it, with the
    /// case reader's own checks: `None` when the text is acceptable, else
    /// the problem's code and the message a form shows, in both languages.
    /// `field` names an input of the program's entity or, with a
    /// `collection`, of its members; with no collection, [`crate::AS_OF`]
    /// names the evaluation date. Without `as_of`, the checks against the
    /// evaluation date are left out.
    ///
    /// # Errors
    /// `unknown_program` or `unknown_field`, at the name's path.
    pub fn check_field(
        &self,
        program: &str,
        collection: Option<&str>,
        field: &str,
        raw: &str,
        as_of: Option<crate::Date>,
    ) -> Result<Option<crate::FieldProblem>, crate::InputError> {
        let p = self.program_index(program).map_err(|e| crate::InputError {
            code: e.code(),
            loc: "program".into(),
            msg: e.to_string(),
            input: Some(program.to_string()),
        })?;
        schema::check_field(self.plan(), p, collection, field, raw, as_of)
    }

    /// What a person should enter instead, in Chinese and English, for an
    /// input error of a case of `entity`: the message a form shows beside
    /// the field or collection at the error's path (`financial_assets`,
    /// `members[1].birth_date`, `members`), from the case reader's
    /// catalogue, with the field's limit (and the evaluation date, when
    /// given) filled in. `None` when the error is not about one field or
    /// collection (`unknown_field`, a duplicate record) or the entity is
    /// unknown.
    pub fn input_error_message(
        &self,
        entity: &str,
        error: &crate::InputError,
        as_of: Option<crate::Date>,
    ) -> Option<Text> {
        let e = self.entity(entity).ok()?;
        schema::error_message(self.plan(), e, error, as_of)
    }

    /// Every program with its entity and label, as JSON (what a form offers
    /// to choose from).
    pub fn schemas(&self) -> Json {
        schema::programs(self.plan())
    }

    /// How a unit reads in a language (`元/人/月` for `CNY/person/month`).
    pub fn unit_label<'a>(&'a self, unit: &'a str, lang: Lang) -> &'a str {
        self.plan().unit_label(unit, lang)
    }

    /// How many parameters, tables, programs and entities the rule set
    /// defines.
    pub fn counts(&self) -> Counts {
        let plan = self.plan();
        Counts {
            parameters: plan.params.len(),
            tables: plan.tables.len(),
            programs: plan.programs.iter().filter(|p| p.part_of.is_none()).count(),
            entities: plan.entities.len(),
        }
    }
}

/// The size of a rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Parameters.
    pub parameters: usize,
    /// Decision tables.
    pub tables: usize,
    /// Programs.
    pub programs: usize,
    /// Entities.
    pub entities: usize,
}
